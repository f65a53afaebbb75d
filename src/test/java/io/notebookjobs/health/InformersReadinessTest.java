package io.notebookjobs.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.testing.TestConfig;

class InformersReadinessTest {

    @Test
    void notReadyBeforeTheInformersHaveListed() {
        JobCache cache = new JobCache(new KubernetesClientBuilder().build(), TestConfig.load(Map.of()));
        assertThat(new InformersReadiness(cache).call().getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
    }
}
