package io.notebookjobs.jobs;

import static io.notebookjobs.testing.ServiceTest.NAMESPACE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Idempotency that holds across replicas: the API server, not one replica's memory, decides. The
 * other replica's work is written straight into the cluster without the service's selector label,
 * so this replica's informers never see it, as in the moment before another replica's create
 * reaches them; only the name tells.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class IdempotencyAcrossReplicasTest extends ServiceTest {

    private static final String OWNER = "alice"; // %test.notebook-jobs.default-owner
    private static final byte[] NOTEBOOK = Api.notebook("hello.ipynb");

    @Test
    void aJobOfTheTokensNameIsTheEarlierCreatesResultAndKeepsEverythingItHas() {
        String token = "replica-race-" + System.nanoTime();
        String jobId = JobService.idFromToken(OWNER, token);
        String jobName = Labels.jobName(jobId);
        otherReplicasJob(jobName, jobId);
        k8s().secrets().inNamespace(NAMESPACE).resource(secret(jobName + "-env", "THEIRS", "1")).create();
        String theirInput = "jobs/" + jobId + "/input-0therrep/hello.ipynb";
        put(theirInput, NOTEBOOK);

        Api.submit(Api.with(Api.with(job("again"), "idempotency_token", token), "runtime_environment_parameters",
                Map.of("env.MINE", "2")), NOTEBOOK, Map.of())
                .statusCode(409)
                .body("message", equalTo("idempotency_token: a job with token '" + token + "' already exists ("
                        + jobId + ")"));

        assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName).get()).isNotNull();
        Secret theirs = k8s().secrets().inNamespace(NAMESPACE).withName(jobName + "-env").get();
        assertThat(theirs).isNotNull();
        assertThat(values(theirs)).containsOnlyKeys("THEIRS");
        // Only this attempt's staged input is gone.
        assertThat(keys("jobs/" + jobId + "/")).containsExactly(theirInput);
    }

    @Test
    void aSecretLeftWithoutItsJobIsAnEarlierFailedAttemptsAndIsTakenOver() {
        String token = "left-secret-" + System.nanoTime();
        String jobId = JobService.idFromToken(OWNER, token);
        String jobName = Labels.jobName(jobId);
        k8s().secrets().inNamespace(NAMESPACE).resource(secret(jobName + "-env", "STALE", "old")).create();

        String created = Api.submit(Api.with(Api.with(job("retried"), "idempotency_token", token),
                "runtime_environment_parameters", Map.of("env.FRESH", "new")), NOTEBOOK, Map.of())
                .statusCode(200).extract().path("job_id");

        assertThat(created).isEqualTo(jobId);
        Secret secret = k8s().secrets().inNamespace(NAMESPACE).withName(jobName + "-env").get();
        assertThat(values(secret)).containsOnlyKeys("FRESH");
        assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
                .satisfies(ref -> assertThat(ref.getName()).isEqualTo(jobName));
        Api.get(jobId).statusCode(200).body("idempotency_token", equalTo(token));
    }

    @Test
    void theTokensIdDependsOnTheOwner() {
        assertThat(JobService.idFromToken("alice", "t")).isEqualTo(JobService.idFromToken("alice", "t"))
                .isNotEqualTo(JobService.idFromToken("bob", "t"))
                .isNotEqualTo(JobService.idFromToken("alice", "u"));
    }

    /** Labelled like the service's own Jobs but for the label the informers select by. */
    private void otherReplicasJob(String name, String jobId) {
        Job job = new JobBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE)
                .addToLabels(Labels.JOB_ID, jobId).addToLabels(Labels.OWNER, OWNER).endMetadata()
                .withNewSpec().withSuspend(true).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("run").withImage("executor").endContainer().endSpec().endTemplate()
                .endSpec().build();
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).resource(job).create();
    }

    private static Secret secret(String name, String key, String value) {
        return new SecretBuilder().withNewMetadata().withName(name).withNamespace(NAMESPACE).endMetadata()
                .addToData(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))).build();
    }

    /** The mock API server keeps stringData apart from data; the real one folds it in. */
    private static Map<String, String> values(Secret secret) {
        Map<String, String> all = new java.util.HashMap<>();
        if (secret.getData() != null) {
            secret.getData().forEach((k, v) -> all.put(k, v));
        }
        if (secret.getStringData() != null) {
            all.putAll(secret.getStringData());
        }
        return all;
    }
}
