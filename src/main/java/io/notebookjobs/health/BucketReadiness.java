package io.notebookjobs.health;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.notebookjobs.storage.ObjectStore;

/** Not ready while the bucket does not answer; asked at most every 30 s, however often probes come. */
@Readiness
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
