package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Files nothing in the cluster owns go after the grace period (1 h); files of jobs and
 * definitions that exist, and young files (a create in flight), stay.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class OrphanedFilesSweeperTest extends ServiceTest {

    @Inject
    OrphanedFilesSweeper sweeper;

    @Test
    void removesOnlyOldFilesWithoutTheirJobOrDefinition() {
        String job = Api.submit(job("owned files"));
        String definition = Api.submitDefinition(Api.createDefinition("owned input", "0 0 * * *", null));
        byte[] data = "x".getBytes(StandardCharsets.UTF_8);
        // A create that crashed after its upload, and a Job deleted with kubectl.
        put("jobs/0f0e0d0c-0000-4000-8000-000000000001/input/hello.ipynb", data);
        put("jobs/0f0e0d0c-0000-4000-8000-000000000002/output/hello.html", data);
        put("definitions/0f0e0d0c-0000-4000-8000-000000000003/inputs/v1/hello.ipynb", data);

        // Young: a create may still be on its way to the cluster.
        assertThat(sweeper.sweep()).isZero();
        assertThat(keys("jobs/0f0e0d0c-0000-4000-8000-000000000001/")).isNotEmpty();

        clock.advance(Duration.ofMinutes(61));
        assertThat(sweeper.sweep()).as("the three, and any other test's leftovers").isGreaterThanOrEqualTo(3);
        assertThat(keys("jobs/0f0e0d0c-0000-4000-8000-000000000001/")).isEmpty();
        assertThat(keys("jobs/0f0e0d0c-0000-4000-8000-000000000002/")).isEmpty();
        assertThat(keys("definitions/0f0e0d0c-0000-4000-8000-000000000003/")).isEmpty();
        assertThat(keys("jobs/" + job + "/")).isNotEmpty();
        assertThat(keys("definitions/" + definition + "/")).isNotEmpty();
        assertThat(sweeper.sweep()).isZero();
    }
}
