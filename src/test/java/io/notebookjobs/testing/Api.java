package io.notebookjobs.testing;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.response.ValidatableResponse;
import io.restassured.specification.RequestSpecification;

/** Calls of the service's API, as the JupyterLab bridge or a curl user makes them. */
public final class Api {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Api() {
    }

    public static byte[] notebook(String resource) {
        try (InputStream in = Api.class.getResourceAsStream("/notebooks/" + resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test notebook " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CreateJob body with the fields the stock UI sends. */
    public static Map<String, Object> createJob(String name) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("name", name);
        job.put("input_uri", "work/hello.ipynb");
        job.put("runtime_environment_name", "default");
        job.put("output_formats", List.of("ipynb", "html"));
        job.put("parameters", Map.of("greeting", "'hi'"));
        job.put("runtime_environment_parameters", new HashMap<>(Map.of("cpu", "500m", "memory", "1Gi")));
        return job;
    }

    public static Map<String, Object> with(Map<String, Object> job, String key, Object value) {
        Map<String, Object> copy = new LinkedHashMap<>(job);
        copy.put(key, value);
        return copy;
    }

    /** POST /scheduler/jobs as multipart: job JSON, notebook, and folder files by relative path. */
    public static ValidatableResponse submit(Map<String, Object> job, byte[] notebook, Map<String, byte[]> files) {
        return multipart(job, notebook, files).when().post("/scheduler/jobs").then();
    }

    /** The parts of a multipart create or update: {@code job}, {@code input}, {@code files}. */
    public static RequestSpecification multipart(Map<String, Object> body, byte[] notebook, Map<String, byte[]> files) {
        RequestSpecification request = given().multiPart("job", json(body), "application/json");
        if (notebook != null) {
            request = request.multiPart("input", "hello.ipynb", notebook, "application/x-ipynb+json");
        }
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            request = request.multiPart("files", f.getKey(), f.getValue(), "application/octet-stream");
        }
        return request;
    }

    /** Creates a job with the test notebook and returns its id. */
    public static String submit(Map<String, Object> job) {
        return submit(job, notebook("hello.ipynb"), Map.of()).statusCode(200).extract().path("job_id");
    }

    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CreateJobDefinition body: a job plus schedule and time zone. */
    public static Map<String, Object> createDefinition(String name, String schedule, String timezone) {
        Map<String, Object> definition = createJob(name);
        definition.remove("input_uri");
        definition.put("schedule", schedule);
        if (timezone != null) {
            definition.put("timezone", timezone);
        }
        return definition;
    }

    /** POST /scheduler/job_definitions as multipart. */
    public static ValidatableResponse submitDefinition(Map<String, Object> definition, byte[] notebook,
            Map<String, byte[]> files) {
        return multipart(definition, notebook, files).when().post("/scheduler/job_definitions").then();
    }

    public static String submitDefinition(Map<String, Object> definition) {
        return submitDefinition(definition, notebook("hello.ipynb"), Map.of()).statusCode(200).extract()
                .path("job_definition_id");
    }

    public static ValidatableResponse definition(String id) {
        return given().when().get("/scheduler/job_definitions/" + id).then();
    }

    public static ValidatableResponse patchDefinition(String id, Map<String, Object> update) {
        return given().contentType("application/json").body(json(update)).when()
                .patch("/scheduler/job_definitions/" + id).then();
    }

    /** A Job as a service without identity made it: owned by its one default owner. */
    public static io.fabric8.kubernetes.api.model.batch.v1.Job legacyJob(String owner) {
        return legacyJob(owner, ServiceTest.NAMESPACE);
    }

    public static io.fabric8.kubernetes.api.model.batch.v1.Job legacyJob(String owner, String namespace) {
        String id = java.util.UUID.randomUUID().toString();
        io.notebookjobs.jobs.JobRecord record = new io.notebookjobs.jobs.JobRecord(id, "from before identity", owner,
                "hello.ipynb", "default", Map.of(), List.of("ipynb"), Map.of(), List.of(), null, null, null, null, false,
                List.of(), System.currentTimeMillis(), 3600, 0, "py", null, null, null);
        io.notebookjobs.jobs.RunSettings settings = io.notebookjobs.jobs.RuntimeParameters.parse(Map.of(), null, null,
                io.notebookjobs.jobs.ResourcePolicy.from(TestConfig.load(Map.of())));
        return new io.notebookjobs.kube.JobManifests(TestConfig.load(Map.of("notebook-jobs.kube.namespace",
                namespace))).job(record, settings, io.notebookjobs.storage.JobPaths.forJob("", id),
                        "notebook-jobs/executor:0.1.0", "nb-job-" + id + "-env");
    }

    public static ValidatableResponse get(String jobId) {
        return given().when().get("/scheduler/jobs/" + jobId).then();
    }

    public static String status(String jobId) {
        return get(jobId).statusCode(200).extract().path("status");
    }
}
