package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;

/** Packaged folders, creating from an object in the bucket, listing and downloading a job's files. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class JobFilesTest extends ServiceTest {

    @Test
    void aPackagedFolderIsStagedWithRelativePathsAndListed() {
        String id = Api.submit(Api.with(job("packaged"), "package_input_folder", true), Api.notebook("hello.ipynb"),
                Map.of("data/input.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8),
                        "lib/helpers.py", "X = 1\n".getBytes(StandardCharsets.UTF_8)))
                .statusCode(200).extract().path("job_id");

        assertThat(keys("jobs/" + id + "/")).containsExactly(
                "jobs/" + id + "/input/data/input.csv",
                "jobs/" + id + "/input/hello.ipynb",
                "jobs/" + id + "/input/lib/helpers.py");
        Api.get(id).body("package_input_folder", equalTo(true))
                .body("packaged_files", equalTo(List.of("data/input.csv", "lib/helpers.py")))
                .body("job_files.file_format", equalTo(List.of("ipynb", "html", "input", "files")));
    }

    @Test
    void fileNamesInAnyScriptAreKeptAsWritten() {
        // File names users really write: accents, spaces. None of them goes into a label value.
        // (Job names follow the stock UI's ASCII rule, see BadInputTest.)
        String name = "Q3 report.final";
        // Like browsers and Python's requests: file names as raw UTF-8 in Content-Disposition.
        var utf8FileNames = io.restassured.RestAssured.config()
                .httpClient(io.restassured.config.HttpClientConfig.httpClientConfig()
                        .httpMultipartMode(org.apache.http.entity.mime.HttpMultipartMode.BROWSER_COMPATIBLE))
                .multiPartConfig(io.restassured.config.MultiPartConfig.multiPartConfig().defaultCharset("UTF-8"));
        String id = given().config(utf8FileNames).multiPart("job", Api.json(Api.with(Api.with(job(name), "input_uri", "Données été.ipynb"),
                                "package_input_folder", true)), "application/json")
                .multiPart("input", "Données été.ipynb", Api.notebook("hello.ipynb"), "application/x-ipynb+json")
                .multiPart("files", "données/ärger ü.csv", "a\n1\n".getBytes(StandardCharsets.UTF_8), "text/csv")
                .when().post("/scheduler/jobs").then().statusCode(200).extract().path("job_id");

        assertThat(keys("jobs/" + id + "/")).containsExactly("jobs/" + id + "/input/Données été.ipynb",
                "jobs/" + id + "/input/données/ärger ü.csv");
        Api.get(id).body("name", equalTo(name)).body("input_filename", equalTo("Données été.ipynb"))
                .body("packaged_files", equalTo(List.of("données/ärger ü.csv")));
        given().queryParam("name", "Q3 rep").when().get("/scheduler/jobs").then().statusCode(200)
                .body("jobs.job_id", org.hamcrest.Matchers.hasItem(id));
        given().when().get("/scheduler/jobs/" + id + "/files/input/données/ärger ü.csv").then().statusCode(200)
                .body(equalTo("a\n1\n"));
        assertThat(kubeJob(id).getMetadata().getLabels().values())
                .allMatch(v -> v.matches("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"));
    }

    @Test
    void listsAndStreamsInputsOutputsAndSideEffects() {
        String id = Api.submit(job("outputs"));
        long created = Api.get(id).extract().<Long>path("create_time");
        String stamp = io.notebookjobs.notebook.OutputNames.outputFile("hello.ipynb", Instant.ofEpochMilli(created),
                io.notebookjobs.notebook.OutputFormat.HTML, "py");
        // What the executor would upload.
        put("jobs/" + id + "/output/hello.ipynb", Api.notebook("hello.ipynb"));
        put("jobs/" + id + "/output/" + stamp, "<html>ok</html>".getBytes(StandardCharsets.UTF_8));
        put("jobs/" + id + "/files/results/summary.txt", "42\n".getBytes(StandardCharsets.UTF_8));

        JsonPath files = given().when().get("/scheduler/jobs/" + id + "/files").then().statusCode(200).extract().jsonPath();
        assertThat(files.getList("files.name")).containsExactlyInAnyOrder("input/hello.ipynb", "output/hello.ipynb",
                "output/" + stamp, "files/results/summary.txt");
        assertThat(files.<String>getList("files.findAll { it.name == 'output/" + stamp + "' }.format")).containsExactly("html");
        assertThat(files.<String>getList("files.findAll { it.kind == 'side_effect' }.name"))
                .containsExactly("files/results/summary.txt");
        assertThat(files.<Integer>getList("files.findAll { it.name == 'files/results/summary.txt' }.size")).containsExactly(3);

        // job_files points at the same path the executor writes.
        assertThat(Api.get(id).extract().jsonPath().<String>getList("job_files.file_path")).contains("output/" + stamp);

        String html = given().when().get("/scheduler/jobs/" + id + "/files/output/" + stamp).then().statusCode(200)
                .header("Content-Type", "text/html; charset=utf-8")
                .header("Content-Disposition", "attachment; filename=\"" + stamp + "\"; filename*=UTF-8''" + stamp)
                .extract().asString();
        assertThat(html).isEqualTo("<html>ok</html>");
        given().when().get("/scheduler/jobs/" + id + "/files/files/results/summary.txt").then().statusCode(200)
                .body(equalTo("42\n"));
        given().when().get("/scheduler/jobs/" + id + "/files/output/missing.html").then().statusCode(404);
        given().when().get("/scheduler/jobs/" + id + "/files/output/../../other/input/x").then().statusCode(404);
        given().when().get("/scheduler/jobs/" + id + "/files/secrets/x").then().statusCode(404);
        given().when().get("/scheduler/jobs/" + id + "/download_files?redownload=true").then().statusCode(204);
    }

    @Test
    void aJobCreatedWithAnIdempotencyTokenListsAndServesItsInput() {
        // Each tokened attempt stages under its own input-<attempt>/ prefix: the record must say which.
        String id = Api.submit(Api.with(job("tokened"), "idempotency_token", "files-" + System.nanoTime()));
        JsonPath files = given().when().get("/scheduler/jobs/" + id + "/files").then().statusCode(200).extract().jsonPath();
        assertThat(files.getList("files.name")).containsExactly("input/hello.ipynb");
        assertThat(given().when().get("/scheduler/jobs/" + id + "/files/input/hello.ipynb").then().statusCode(200)
                .extract().asByteArray()).isEqualTo(Api.notebook("hello.ipynb"));
        JsonPath record = JsonPath.from(kubeJob(id).getMetadata().getAnnotations().get("scheduler.jupyter.org/job-data"));
        assertThat(record.getString("input_prefix")).startsWith("jobs/" + id + "/input-");
        assertThat(record.getString("output_filename_template")).isNull();
    }

    @Test
    void aJsonCreateStagesACopyOfAnObjectAlreadyInTheBucket() {
        String folder = "users/alice/project-" + System.nanoTime() + "/";
        put(folder + "hello.ipynb", Api.notebook("hello.ipynb"));
        put(folder + "data/input.csv", "a\n1\n".getBytes(StandardCharsets.UTF_8));
        Map<String, Object> request = Api.with(Api.with(job("from bucket"), "input_uri",
                "s3://" + S3ProxyResource.BUCKET + "/" + folder + "hello.ipynb"), "package_input_folder", true);

        String id = given().contentType("application/json").body(Api.json(request)).when().post("/scheduler/jobs")
                .then().statusCode(200).extract().path("job_id");

        assertThat(keys("jobs/" + id + "/")).containsExactly("jobs/" + id + "/input/data/input.csv",
                "jobs/" + id + "/input/hello.ipynb");
        Api.get(id).body("input_filename", equalTo("hello.ipynb"))
                .body("packaged_files", equalTo(List.of("data/input.csv")));
        // Deleting the job removes its copy, never the user's original.
        given().when().delete("/scheduler/jobs/" + id).then().statusCode(204);
        assertThat(keys(folder)).hasSize(2);
    }
}
