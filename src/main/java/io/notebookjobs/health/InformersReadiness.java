package io.notebookjobs.health;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.notebookjobs.kube.JobCache;

/** Not ready until the informers have listed Jobs, Pods and Events: before that history is incomplete. */
@Readiness
@ApplicationScoped
public class InformersReadiness implements HealthCheck {

    private final JobCache cache;

    public InformersReadiness(JobCache cache) {
        this.cache = cache;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("kubernetes-informers").status(cache.hasSynced()).build();
    }
}
