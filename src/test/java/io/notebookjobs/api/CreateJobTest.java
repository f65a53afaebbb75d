package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import software.amazon.awssdk.services.s3.S3Client;

@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class CreateJobTest extends ServiceTest {

    @Test
    void multipartCreateStagesTheNotebookAndCreatesALabelledJob() {
        String id = Api.submit(Api.createJob("first run"));

        Api.get(id).statusCode(200)
                .body("job_id", equalTo(id))
                .body("name", equalTo("first run"))
                .body("input_filename", equalTo("hello.ipynb"))
                .body("status", equalTo("QUEUED"))
                .body("output_formats", equalTo(List.of("ipynb", "html")))
                .body("create_time", notNullValue())
                .body("job_files.file_format", hasItem("html"));

        KubernetesClient k8s = server.getClient();
        Job job = k8s.batch().v1().jobs().inNamespace("test").withName("nb-job-" + id).get();
        assertThat(job.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "notebook-jobs")
                .containsEntry("scheduler.jupyter.org/job-id", id)
                .containsEntry("scheduler.jupyter.org/owner", "alice");
        try (S3Client client = s3.client()) {
            List<String> keys = client.listObjectsV2(r -> r.bucket(S3ProxyResource.BUCKET).prefix("jobs/" + id + "/"))
                    .contents().stream().map(o -> o.key()).toList();
            assertThat(keys).containsExactly("jobs/" + id + "/input/hello.ipynb");
        }
    }

    @Test
    void theJobPartMayComeAsAFileLikeCurlsAtSyntax() {
        // curl -F job=@job.json -F input=@hello.ipynb sends the job part with a file name.
        String id = given()
                .multiPart("job", "job.json", Api.json(Api.createJob("from files")).getBytes(), "application/json")
                .multiPart("input", "hello.ipynb", Api.notebook("hello.ipynb"))
                .when().post("/scheduler/jobs").then().statusCode(200).extract().path("job_id");
        Api.get(id).body("name", equalTo("from files"));
    }

    @Test
    void listIncludesTheNewJob() {
        String id = Api.submit(Api.createJob("listed"));
        given().when().get("/scheduler/jobs?max_items=1000&1733412345678").then().statusCode(200)
                .body("jobs.job_id", hasItem(id));
    }
}
