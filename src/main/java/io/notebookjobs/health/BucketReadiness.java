package io.notebookjobs.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

import io.smallrye.health.api.Wellness;

import io.notebookjobs.storage.ObjectStore;

/**
 * Whether the bucket answers, at {@code /q/health/well} and {@code /q/health}; asked at most
 * every 30 s, however often probes come. Not a readiness check: a replica without S3 still
 * serves the history from its cache (and writes that need S3 fail with a 503 naming it), so an
 * S3 outage must not take every replica out of its Service.
 */
@Wellness
@ApplicationScoped
public class BucketReadiness implements HealthCheck {

    private static final Duration RECHECK = Duration.ofSeconds(30);

    private final ObjectStore store;
    private final Clock clock;
    private volatile Instant checkedAt = Instant.MIN;
    private volatile boolean reachable;

    public BucketReadiness(ObjectStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    @Override
    public HealthCheckResponse call() {
        Instant now = clock.instant();
        if (!reachable || checkedAt.plus(RECHECK).isBefore(now)) {
            reachable = store.bucketReachable();
            checkedAt = now;
        }
        return HealthCheckResponse.named("s3-bucket").status(reachable).withData("bucket", store.bucket()).build();
    }
}
