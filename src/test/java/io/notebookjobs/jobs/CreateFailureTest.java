package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** When the API server refuses the Job, what was already uploaded and created is removed again. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class CreateFailureTest extends ServiceTest {

    private static final String JOBS = "/apis/batch/v1/namespaces/test/jobs";

    private Map<String, Object> jobWithSecret(String name) {
        Map<String, Object> request = job(name);
        ((Map<String, Object>) request.get("runtime_environment_parameters")).put("env.TOKEN", "t0ken");
        return request;
    }

    @Test
    void aFailedJobCreationRemovesTheUploadAndTheSecret() {
        List<String> objects = keys("jobs/");
        int secrets = k8s().secrets().inNamespace(NAMESPACE).list().getItems().size();
        // The client retries server errors: fail every attempt.
        server.expect().post().withPath(JOBS).andReturn(500, new StatusBuilder().withCode(500)
                .withMessage("etcdserver: request timed out").build()).always();
        try {
            Api.submit(jobWithSecret("refused"), Api.notebook("hello.ipynb"), Map.of()).statusCode(503)
                    .body("message", startsWith("The Kubernetes API did not accept the request (HTTP 500); reference "));
        } finally {
            server.getKubernetesMockServer().clearExpectations();
        }

        assertThat(keys("jobs/")).isEqualTo(objects);
        assertThat(k8s().secrets().inNamespace(NAMESPACE).list().getItems()).hasSize(secrets);
    }

    @Test
    void aJobTheApiServerFindsInvalidIsA400WithItsReason() {
        List<String> objects = keys("jobs/");
        server.expect().post().withPath(JOBS).andReturn(422, new StatusBuilder().withCode(422).withReason("Invalid")
                .withMessage("Job.batch \"nb-job-x\" is invalid: spec.template.spec.containers[0].image: Required value")
                .build()).once();

        Api.submit(job("invalid"), Api.notebook("hello.ipynb"), Map.of()).statusCode(400)
                .body("message", startsWith("Kubernetes rejected the job: Job.batch \"nb-job-x\" is invalid"));
        assertThat(keys("jobs/")).isEqualTo(objects);
    }
}
