package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.S3ProxyServer;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;

/** What the stock UI and HTTP clients rely on beyond single endpoints. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class ContractTest extends ServiceTest {

    @Test
    void configTellsWhichFeaturesWork() {
        given().when().get("/scheduler/config?1733412345678").then().statusCode(200)
                .body("supported_features.stop_job", equalTo(true))
                .body("supported_features.delete_job", equalTo(true))
                .body("supported_features.job_definition", equalTo(true))
                .body("supported_features.output_filename_template", equalTo(false))
                .body("supported_features.email_notifications", equalTo(true)) // the test profile has a sender address
                .body("supported_features.timeout_seconds", equalTo(true))
                .body("manage_environments_command", equalTo(""));
        Map<String, Boolean> features = given().when().get("/scheduler/config").then().extract().path("supported_features");
        assertThat(features).containsOnlyKeys("job_name", "parameters", "output_formats", "job_definition",
                "idempotency_token", "tags", "email_notifications", "timeout_seconds", "retry_on_timeout", "max_retries",
                "min_retry_interval_millis", "output_filename_template", "stop_job", "delete_job");
    }

    @Test
    void runtimeEnvironmentsHaveTheirNameAsLabel() {
        given().when().get("/scheduler/runtime_environments").then().statusCode(200)
                .body("[0].name", equalTo("default"))
                .body("[0].label", equalTo("default"))
                .body("[0].file_extensions", equalTo(List.of("ipynb")))
                .body("[0].output_formats.name", hasItem("html"))
                .body("[0].output_formats.find { it.name == 'markdown' }.label", equalTo("Markdown"));
    }

    @Test
    void unknownFieldsAreIgnored() {
        Map<String, Object> request = Api.with(Api.with(job("extra fields"), "some_future_field", Map.of("x", 1)),
                "job_definition_id", null);
        String id = Api.submit(request);
        Api.get(id).statusCode(200).body("some_future_field", nullValue());
    }

    @Test
    void errorsCarryMessageAndReason() {
        given().when().get("/scheduler/jobs/does-not-exist").then().statusCode(404)
                .body("message", equalTo("No job with id does-not-exist"))
                .body("$", org.hamcrest.Matchers.hasKey("reason"));
        given().when().get("/scheduler/nothing-here").then().statusCode(404).body("message", equalTo("No such resource"));
    }

    @Test
    void secretsNeverAppearAsLiteralValues() throws InterruptedException {
        Map<String, Object> request = job("secrets");
        ((Map<String, Object>) request.get("runtime_environment_parameters")).put("env.HF_TOKEN", "hf_very_secret_value");
        var mock = server.getKubernetesMockServer();
        while (mock.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS) != null) {
            // drain what came before
        }
        String id = Api.submit(request);
        // The service writes Secrets but never reads them (its Role has no get on Secrets).
        var r = mock.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS);
        while (r != null) {
            assertThat(r.getMethod() + " " + r.getPath()).doesNotStartWith("GET /api/v1/namespaces/test/secrets");
            r = mock.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        Job job = kubeJob(id);
        String spec = k8s().getKubernetesSerialization().asJson(job);
        assertThat(spec).doesNotContain("hf_very_secret_value").doesNotContain(S3ProxyServer.SECRET_KEY)
                .doesNotContain(S3ProxyServer.ACCESS_KEY);
        List<EnvVar> env = job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
        EnvVar token = env.stream().filter(e -> e.getName().equals("HF_TOKEN")).findFirst().orElseThrow();
        assertThat(token.getValue()).isNull();
        assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo(jobName(id) + "-env");
        assertThat(env.stream().filter(e -> e.getName().startsWith("AWS_")).allMatch(e -> e.getValue() == null
                && e.getValueFrom().getSecretKeyRef().getName().equals("notebook-jobs-s3"))).isTrue();
        // The value lives in the job's own Secret, which the Job owns.
        var secret = k8s().secrets().inNamespace(NAMESPACE).withName(jobName(id) + "-env").get();
        eventually().until(() -> !k8s().secrets().inNamespace(NAMESPACE).withName(jobName(id) + "-env").get()
                .getMetadata().getOwnerReferences().isEmpty());
        assertThat(secret.getStringData() != null ? secret.getStringData() : secret.getData()).containsKey("HF_TOKEN");
        // The API shows the name, never the value.
        Api.get(id).body("runtime_environment_parameters.'env.HF_TOKEN'", equalTo("********"));
        assertThat(given().when().get("/scheduler/jobs").then().extract().asString()).doesNotContain("hf_very_secret_value");
    }

    @Test
    void theOpenApiDocumentDescribesTheApi() {
        JsonPath openapi = given().accept("application/json").when().get("/q/openapi").then().statusCode(200)
                .extract().jsonPath();
        Map<String, Object> paths = openapi.getMap("paths");
        assertThat(paths).containsKeys("/scheduler/job_definitions", "/scheduler/job_definitions/{job_definition_id}",
                "/scheduler/job_definitions/{job_definition_id}/jobs");
        assertThat(openapi.getMap("paths.'/scheduler/job_definitions/{job_definition_id}'")).containsKeys("get", "patch",
                "delete");
        assertThat(paths).containsKeys("/scheduler/jobs", "/scheduler/jobs/count", "/scheduler/jobs/{job_id}",
                "/scheduler/jobs/{job_id}/files", "/scheduler/jobs/{job_id}/files/{path}",
                "/scheduler/jobs/{job_id}/download_files", "/scheduler/batch/jobs", "/scheduler/config",
                "/scheduler/runtime_environments");
        assertThat(openapi.getMap("paths.'/scheduler/jobs'")).containsKeys("get", "post");
        assertThat(openapi.getMap("paths.'/scheduler/jobs'.post.requestBody.content"))
                .containsKeys("application/json", "multipart/form-data");
        assertThat(openapi.getMap("components.schemas.DescribeJob.properties")).containsKeys("job_id", "input_filename",
                "runtime_environment_parameters", "job_files", "status_message", "create_time");
        assertThat(openapi.getMap("components.schemas.CreateJob.properties")).containsKeys("input_uri",
                "package_input_folder", "idempotency_token");
    }

    @Test
    void healthReportsReadyOnceInformersSyncedAndTheBucketAnswers() {
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("status", equalTo("UP"))
                .body("checks.name", hasItem("kubernetes-informers"));
        given().when().get("/q/health/well").then().statusCode(200)
                .body("checks.name", hasItem("s3-bucket"));
        given().when().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
    }
}
