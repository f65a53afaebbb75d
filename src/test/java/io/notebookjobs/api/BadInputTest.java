package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.ValidatableResponse;

/**
 * Every bad input answers 4xx with a message naming the field and the rule, and leaves nothing
 * behind: no Job, no Secret, no object in the bucket.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class BadInputTest extends ServiceTest {

    private static final byte[] NOTEBOOK = Api.notebook("hello.ipynb");

    /**
     * Runs the request and checks its answer (status, and the message unless null), and that the
     * cluster and bucket did not change.
     */
    private void rejected(Supplier<ValidatableResponse> request, int status, String messageStart) {
        int jobs = k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems().size();
        int secrets = k8s().secrets().inNamespace(NAMESPACE).list().getItems().size();
        List<String> objects = keys("jobs/");
        ValidatableResponse response = request.get().statusCode(status);
        if (messageStart != null) {
            response.body("message", startsWith(messageStart)).body("reason", nullValue());
        }
        assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(jobs);
        assertThat(k8s().secrets().inNamespace(NAMESPACE).list().getItems()).hasSize(secrets);
        assertThat(keys("jobs/")).isEqualTo(objects);
    }

    private void rejectedParameter(String key, Object value, String messageStart) {
        Map<String, Object> request = job("bad parameter");
        Map<String, Object> params = new HashMap<>();
        params.put(key, value);
        rejected(() -> Api.submit(Api.with(request, "runtime_environment_parameters", params), NOTEBOOK, Map.of()), 400,
                messageStart);
    }

    @Test
    void nameIsRequiredAndFollowsTheUiRule() {
        Map<String, Object> noName = new LinkedHashMap<>(job("x"));
        noName.remove("name");
        rejected(() -> Api.submit(noName, NOTEBOOK, Map.of()), 400, "name: is required");
        rejected(() -> Api.submit(job("-starts with a dash"), NOTEBOOK, Map.of()), 400, "name: must be 1 to 63");
        rejected(() -> Api.submit(job("x".repeat(64)), NOTEBOOK, Map.of()), 400, "name: must be 1 to 63");
        rejected(() -> Api.submit(job("a/b"), NOTEBOOK, Map.of()), 400, "name: must be 1 to 63");
    }

    @Test
    void theNotebookMustBeThereAndBeANotebookWithAKernel() {
        rejected(() -> Api.submit(job("no input"), null, Map.of()), 400, "input: the notebook part is missing");
        rejected(() -> Api.submit(job("garbage"), "not json at all".getBytes(StandardCharsets.UTF_8), Map.of()), 400,
                "input: not a Jupyter notebook");
        rejected(() -> Api.submit(job("json"), "{\"a\": 1}".getBytes(StandardCharsets.UTF_8), Map.of()), 400,
                "input: not a Jupyter notebook");
        rejected(() -> Api.submit(job("no kernel"), Api.notebook("no-kernel.ipynb"), Map.of()), 400,
                "input: the notebook has no kernelspec");
        rejected(() -> Api.submit(Api.with(job("not ipynb"), "input_filename", "report.py"), NOTEBOOK, Map.of()), 400,
                "input_filename: must end in .ipynb");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/etc/passwd | files: '/etc/passwd' is absolute",
            "../secrets.txt | files: '../secrets.txt' contains '..'",
            "data/../../x | files: 'data/../../x' contains '..'",
            "data//x.csv | files: 'data//x.csv' has an empty",
            "C:/data.csv | files: 'C:/data.csv' is absolute" })
    void folderFilesMustStayInsideTheNotebooksFolder(String path, String message) {
        rejected(() -> Api.submit(Api.with(job("paths"), "package_input_folder", true), NOTEBOOK,
                Map.of("data/ok.csv", new byte[] { 1 }, path, new byte[] { 2 })), 400, message);
    }

    @Test
    void folderFilesNeedPackageInputFolder() {
        rejected(() -> Api.submit(job("files without package"), NOTEBOOK, Map.of("data/a.csv", new byte[] { 1 })), 400,
                "files: folder files are only accepted when package_input_folder is true");
    }

    @Test
    void outputFormatsMustBeKnown() {
        rejected(() -> Api.submit(Api.with(job("docx"), "output_formats", List.of("html", "docx")), NOTEBOOK, Map.of()),
                400, "output_formats: unknown format 'docx'");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cpu | 2x | runtime_environment_parameters.cpu: '2x' is not a Kubernetes quantity",
            "k8s_cpu | -1 | runtime_environment_parameters.cpu: must be more than 0",
            "cpu | 0 | runtime_environment_parameters.cpu: must be more than 0",
            "cpu | 64 | runtime_environment_parameters.cpu: 64 exceeds the maximum of 16",
            "memory | -1 | runtime_environment_parameters.memory: must be more than 0",
            "memory | 512 | runtime_environment_parameters.memory: 512 is 512 bytes, less than 16Mi",
            "k8s_memory | 1Ti | runtime_environment_parameters.memory: 1Ti exceeds the maximum of 128Gi",
            "memory | 4 GB | runtime_environment_parameters.memory: '4 GB' is not a Kubernetes quantity",
            "gpu | 0.5 | runtime_environment_parameters.gpu: GPUs are counted in whole numbers",
            "k8s_gpu | -1 | runtime_environment_parameters.gpu: GPUs are counted in whole numbers",
            "gpu | 8 | runtime_environment_parameters.gpu: 8 exceeds the maximum of 4",
            "gpu | two | runtime_environment_parameters.gpu: 'two' is not a Kubernetes quantity",
            "timeout_seconds | 0 | timeout_seconds: must be a positive number of seconds",
            "timeout_seconds | 99999999 | timeout_seconds: 99999999 exceeds the maximum of 604800",
            "max_retries | 9 | max_retries: must be between 0 and 3" })
    void resourcesAreKubernetesQuantitiesWithinTheMaxima(String key, String value, String message) {
        rejectedParameter(key, value, message);
    }

    @Test
    void conflictingSpellingsOfOneResourceAreRejected() {
        Map<String, Object> request = job("both spellings");
        rejected(() -> Api.submit(Api.with(request, "runtime_environment_parameters", Map.of("cpu", "1", "k8s_cpu", "2")),
                NOTEBOOK, Map.of()), 400, "runtime_environment_parameters.cpu: given twice");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "env.1BAD | environment variable names must match",
            "env.MY-VAR | environment variable names must match",
            "env.AWS_SECRET_ACCESS_KEY | AWS_SECRET_ACCESS_KEY is reserved",
            "env.NBJ_OUTPUT_PREFIX | NBJ_OUTPUT_PREFIX is reserved",
            "env.HOME | HOME is reserved",
            "env.PATH | PATH is reserved" })
    void environmentVariableNamesAreCheckedAndTheExecutorsAreProtected(String key, String rule) {
        rejectedParameter(key, "value", "runtime_environment_parameters." + key + ": " + rule);
    }

    @Test
    void parametersAreNamedLikePythonVariables() {
        rejected(() -> Api.submit(Api.with(job("params"), "parameters", Map.of("1st", "1")), NOTEBOOK, Map.of()), 400,
                "parameters.1st: parameter names must be Python identifiers");
        rejected(() -> Api.submit(Api.with(job("params"), "parameters", Map.of("x", List.of(1))), NOTEBOOK, Map.of()), 400,
                "parameters.x: must be a Python expression");
    }

    @Test
    void aRecordLargerThanTheAnnotationLimitIsRejectedNotTruncated() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (int i = 0; i < 400; i++) {
            files.put("data/a-rather-long-folder-name-for-this-test/file-number-" + i + ".csv", new byte[] { 1 });
        }
        rejected(() -> Api.submit(Api.with(job("big folder"), "package_input_folder", true), NOTEBOOK, files), 400,
                "packaged_files: the job's record would be");
    }

    @Test
    void anOversizedUploadIs413WhetherItAnnouncesItsLengthOrNot() {
        byte[] big = new byte[3 * 1024 * 1024];
        // REST Assured streams multipart bodies chunked: the HTTP layer cuts them off at the same
        // limit with a bare 413 (no message can be added there), and nothing is left behind.
        rejected(() -> Api.submit(Api.with(job("too big"), "package_input_folder", true), NOTEBOOK,
                Map.of("data/big.bin", big)), 413, null);
        // With a Content-Length the service answers before reading the body.
        rejected(() -> given().contentType("multipart/form-data; boundary=xyz").body(big)
                .when().post("/scheduler/jobs").then(), 413, "The request is 3145728 bytes, more than the upload limit");
    }

    @Test
    void theRuntimeEnvironmentMustExist() {
        rejected(() -> Api.submit(Api.with(job("env"), "runtime_environment_name", "conda-ml"), NOTEBOOK, Map.of()), 400,
                "runtime_environment_name: unknown environment 'conda-ml' (available: default)");
    }

    @Test
    void aSecondCreateWithTheSameIdempotencyTokenIs409() {
        Map<String, Object> request = Api.with(job("idempotent"), "idempotency_token", "token-" + System.nanoTime());
        String first = Api.submit(request);
        rejected(() -> Api.submit(request, NOTEBOOK, Map.of()), 409, "idempotency_token: a job with token");
        Api.get(first).statusCode(200);
    }

    @Test
    void quantitiesOfAbsurdSizeAreA400NotAnExhaustedHeap() {
        for (String memory : List.of("1e-2000000000", "1e99999999999", "1E2147483648", "9".repeat(100))) {
            rejected(() -> Api.submit(Api.with(job("huge"), "runtime_environment_parameters", Map.of("memory", memory)),
                    Api.notebook("hello.ipynb"), Map.of()), 400, "runtime_environment_parameters.memory: '");
        }
    }

    @Test
    void jsonCreateNeedsAnObjectInTheConfiguredBucket() {
        rejected(() -> given().contentType("application/json").body(Api.json(job("workspace path")))
                .when().post("/scheduler/jobs").then(), 400, "input_uri: must name an object in the configured bucket");
        rejected(() -> given().contentType("application/json")
                .body(Api.json(Api.with(job("other bucket"), "input_uri", "s3://other-bucket/nb/hello.ipynb")))
                .when().post("/scheduler/jobs").then(), 400, "input_uri: must name an object in the configured bucket");
        rejected(() -> given().contentType("application/json")
                .body(Api.json(Api.with(job("missing"), "input_uri", "s3://" + S3ProxyResource.BUCKET + "/users/alice/nb/missing.ipynb")))
                .when().post("/scheduler/jobs").then(), 400, "input_uri: there is no object");
    }

    @Test
    void malformedBodiesNameWhatIsWrong() {
        rejected(() -> given().contentType("application/json").body("{\"name\": ").when().post("/scheduler/jobs").then(),
                400, "body: malformed JSON");
        rejected(() -> given().contentType("application/json").body("{\"name\": \"x\", \"tags\": {\"a\": 1}}")
                .when().post("/scheduler/jobs").then(), 400, "body: field tags has the wrong type");
        rejected(() -> given().multiPart("job", "{not json", "application/json")
                .multiPart("input", "hello.ipynb", NOTEBOOK).when().post("/scheduler/jobs").then(), 400, "job: not a valid CreateJob");
        rejected(() -> given().multiPart("input", "hello.ipynb", NOTEBOOK).when().post("/scheduler/jobs").then(), 400,
                "job: the CreateJob part is missing");
    }

    @Test
    void unknownJobsAre404() {
        given().when().get("/scheduler/jobs/0b1e7d9c-0000-0000-0000-000000000000").then().statusCode(404)
                .body("message", containsString("No job with id"));
        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/0b1e7d9c-0000-0000-0000-000000000000").then().statusCode(404);
        given().when().delete("/scheduler/jobs/0b1e7d9c-0000-0000-0000-000000000000").then().statusCode(404);
        given().when().get("/scheduler/jobs/0b1e7d9c-0000-0000-0000-000000000000/files").then().statusCode(404);
    }

    @Test
    void patchAcceptsOnlyStoppedAsStatus() {
        String id = Api.submit(job("patch status"));
        given().contentType("application/json").body(Map.of("status", "COMPLETED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(400)
                .body("message", startsWith("status: only STOPPED can be set"));
    }

    @Test
    void listRejectsUnknownSortFieldsAndStatuses() {
        given().when().get("/scheduler/jobs?sort_by=desc(owner)").then().statusCode(400)
                .body("message", startsWith("sort_by: cannot sort by 'owner'"));
        given().when().get("/scheduler/jobs?sort_by=sideways(name)").then().statusCode(400)
                .body("message", startsWith("sort_by: 'sideways(name)' is not"));
        given().when().get("/scheduler/jobs?status=DONE").then().statusCode(400)
                .body("message", startsWith("status: unknown status 'DONE'"));
        given().when().get("/scheduler/jobs?max_items=-1").then().statusCode(400)
                .body("message", startsWith("max_items:"));
        given().when().get("/scheduler/jobs?next_token=garbage").then().statusCode(400)
                .body("message", startsWith("next_token:"));
    }
}
