package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.definitions.DefinitionRecord;
import io.notebookjobs.jobs.ResourcePolicy;
import io.notebookjobs.jobs.RuntimeParameters;
import io.notebookjobs.kube.DefinitionManifests;
import io.notebookjobs.kube.JobManifests;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.TestConfig;

/**
 * Jobs and definitions made in auth mode none belong to "anonymous"; k8s/tools/hand-over (what
 * docs/operations.md tells operators to run) gives them to a hub user, who then sees and manages
 * them through the API, and the definition's next runs are theirs too.
 */
@SimClusterTest
class HandOverE2EIT extends ServiceE2ETest {

    @Test
    void anOperatorHandsLegacyJobsAndDefinitionsToTheirUser() throws Exception {
        Job legacyJob = Api.legacyJob("anonymous", SimCluster.NAMESPACE);
        legacyJob.getSpec().setSuspend(true);
        cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).resource(legacyJob).create();
        String jobId = legacyJob.getMetadata().getLabels().get("scheduler.jupyter.org/job-id");
        String definitionId = UUID.randomUUID().toString();
        CronJob legacyDefinition = legacyDefinition(definitionId);
        cluster.kube().batch().v1().cronjobs().inNamespace(SimCluster.NAMESPACE).resource(legacyDefinition).create();

        E2EService.sleep(Duration.ofSeconds(2));
        assertThat(service.get("/jobs/" + jobId).status()).as("not alice's yet").isEqualTo(404);
        assertThat(service.get("/job_definitions/" + definitionId).status()).isEqualTo(404);

        Process tool = new ProcessBuilder("k8s/tools/hand-over", "--kubectl", cluster.kubectl, "--kubeconfig",
                System.getenv("SIM_KUBECONFIG"), "--namespace", SimCluster.NAMESPACE, "--from", "anonymous",
                "--to", E2EService.USER).redirectErrorStream(true).start();
        String out = new String(tool.getInputStream().readAllBytes());
        assertThat(tool.waitFor()).as(out).isZero();
        assertThat(out).contains("handed 1 jobs and 1 definitions from anonymous to " + E2EService.USER);

        service.await("the job handed over", Duration.ofSeconds(20), () -> service.get("/jobs/" + jobId).status(),
                s -> s == 200);
        assertThat(service.describe(jobId).get("owner")).isEqualTo(E2EService.USER);
        assertThat(service.get("/job_definitions/" + definitionId).body()).contains("\"owner\":\"" + E2EService.USER + "\"");
        assertThat(cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName("nb-job-" + jobId)
                .get().getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/owner", E2EService.USER);
        assertThat(cluster.kube().batch().v1().cronjobs().inNamespace(SimCluster.NAMESPACE)
                .withName(legacyDefinition.getMetadata().getName()).get().getSpec().getJobTemplate().getMetadata()
                .getAnnotations().get("scheduler.jupyter.org/job-data")).contains("\"owner\":\"" + E2EService.USER + "\"");

        assertThat(service.delete(jobId).status()).isEqualTo(204);
        assertThat(service.deleteDefinition(definitionId).status()).isEqualTo(204);
    }

    private static CronJob legacyDefinition(String id) throws IOException {
        var config = TestConfig.load(Map.of("notebook-jobs.kube.namespace", SimCluster.NAMESPACE));
        DefinitionRecord record = new DefinitionRecord(id, "legacy nightly", "anonymous", "hello.ipynb", "default",
                Map.of(), List.of("ipynb"), Map.of(), List.of(), null, "0 6 * * *", "UTC", false, List.of(),
                System.currentTimeMillis(), System.currentTimeMillis(), 3600, 0, "py",
                "definitions/" + id + "/inputs/1/", null, null);
        return new DefinitionManifests(config, new JobManifests(config)).cronJob(record, false,
                RuntimeParameters.parse(Map.of(), null, null, ResourcePolicy.from(config)), "notebook-jobs/executor:e2e");
    }
}
