package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.notebookjobs.testing.TestConfig;

class JobCacheTest {

    private static Optional<Job> cached(String resourceVersion) {
        return Optional.of(new JobBuilder().withNewMetadata().withName("nb-job-x").withResourceVersion(resourceVersion)
                .endMetadata().build());
    }

    @Test
    void aWriteIsVisibleWhenTheCacheHoldsItsVersionOrALaterOne() {
        assertThat(JobCache.<Job>hasVersion("120").test(cached("120"))).isTrue();
        // The Job controller changed the Job again before the watch delivered the write.
        assertThat(JobCache.<Job>hasVersion("120").test(cached("135"))).isTrue();
        assertThat(JobCache.<Job>hasVersion("120").test(cached("99"))).isFalse();
        assertThat(JobCache.<Job>hasVersion("120").test(Optional.empty())).isFalse();
        assertThat(JobCache.<Job>hasVersion("abc").test(cached("abd"))).isFalse();
    }

    @Test
    void readsWaitUntilEveryInformerHasListed() {
        JobCache cache = new JobCache(new KubernetesClientBuilder().build(), TestConfig.load(Map.of()));
        assertThat(cache.hasSynced()).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> cache.byJobId("x"))
                .hasMessageStartingWith("The service has not finished reading the cluster's jobs yet");
    }
}
