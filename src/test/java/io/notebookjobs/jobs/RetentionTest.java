package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** Finished jobs go once their end is older than the retention period; nothing else trims history. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class RetentionTest extends ServiceTest {

    @Inject
    RetentionSweeper sweeper;

    @Test
    void deletesOnlyJobsThatEndedLongerAgoThanTheRetention() {
        String done = Api.submit(job("old news"));
        String running = Api.submit(job("still running"));
        controller.run(jobName(done));
        controller.succeed(jobName(done), "ok");
        controller.run(jobName(running));
        eventually().until(() -> kubeJob(done).getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));

        clock.advance(Duration.ofDays(10));
        sweeper.deleteEndedBefore(Duration.ofDays(30));
        Api.get(done).statusCode(200);

        clock.advance(Duration.ofDays(21));
        assertThat(sweeper.deleteEndedBefore(Duration.ofDays(30))).isGreaterThanOrEqualTo(1);
        Api.get(done).statusCode(404);
        eventually().until(() -> kubeJob(done) == null);
        assertThat(keys("jobs/" + done + "/")).isEmpty();
        Api.get(running).statusCode(200);
        assertThat(keys("jobs/" + running + "/")).isNotEmpty();
    }
}
