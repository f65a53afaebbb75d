package io.notebookjobs.e2e;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.notebookjobs.testing.JupyterHubServer;
import io.notebookjobs.testing.ServiceProcess;
import io.restassured.specification.RequestSpecification;

/**
 * The packaged service running against the sim-cluster, and its API as a client uses it. It can
 * be killed and started again (logs of earlier processes are kept for diagnostics). Every job it
 * creates is remembered, so {@link #deleteCreatedJobs} can clean up. It runs in auth mode
 * jupyterhub against a real hub, as a shared deployment does; every call carries a hub token of
 * {@link #USER}, as the JupyterLab bridge sends it.
 */
final class E2EService implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);
    private static final long START = System.nanoTime();

    private final SimCluster cluster;
    private final Map<String, String> environment;
    private final List<String> created = new CopyOnWriteArrayList<>();
    private final Map<String, List<String>> observed = new java.util.concurrent.ConcurrentHashMap<>();
    private final StringBuffer earlierLogs = new StringBuffer();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String authorization;
    private volatile ServiceProcess process;

    /** The hub user every end-to-end job belongs to. */
    static final String USER = "alice";

    private E2EService(SimCluster cluster, Map<String, String> environment, String authorization) {
        this.cluster = cluster;
        this.environment = environment;
        this.authorization = authorization;
    }

    /** Starts the service with the cluster's environment plus {@code overrides} and waits until it is ready. */
    static E2EService start(SimCluster cluster, Map<String, String> overrides) {
        JupyterHubServer hub = JupyterHubServer.get();
        Map<String, String> env = new HashMap<>(cluster.serviceEnvironment());
        env.put("NOTEBOOK_JOBS_AUTH_MODE", "jupyterhub");
        env.put("NOTEBOOK_JOBS_AUTH_JUPYTERHUB_API_URL", hub.apiUrl());
        env.putAll(overrides);
        E2EService service = new E2EService(cluster, env, hub.token(USER).header());
        service.startProcess();
        return service;
    }

    void startProcess() {
        long t0 = System.nanoTime();
        process = ServiceProcess.start(environment, READY_WITHIN);
        log("service ready on port %d after %.1f s", process.port(), seconds(t0));
    }

    /** Kills the service without warning, like a crashed pod. */
    void kill() {
        ServiceProcess p = process;
        if (p != null) {
            p.kill();
            earlierLogs.append(p.log()).append("\n----- (service killed; a new process follows) -----\n");
            p.close();
            process = null;
            log("service killed");
        }
    }

    String log() {
        ServiceProcess p = process;
        return earlierLogs + (p == null ? "" : p.log());
    }

    List<String> createdJobIds() {
        return List.copyOf(created);
    }

    @Override
    public void close() {
        kill();
    }

    // ---- API

    /** A CreateJob body: the job's name, output formats and parameters. */
    static Map<String, Object> job(String name, List<String> formats, Map<String, Object> parameters) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("name", name);
        job.put("runtime_environment_name", "default");
        job.put("output_formats", formats);
        job.put("parameters", parameters);
        job.put("runtime_environment_parameters", new LinkedHashMap<String, Object>());
        return job;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> runtimeParameters(Map<String, Object> job) {
        return (Map<String, Object>) job.get("runtime_environment_parameters");
    }

    record Created(String jobId, Duration took) {
    }

    /** POST /scheduler/jobs as the UI sends it: the job JSON, the notebook and any folder files. */
    Created create(Map<String, Object> job, String notebook, Map<String, byte[]> files) {
        RequestSpecification request = given().port(port()).header("Authorization", authorization)
                .multiPart("job", JsonText.of(job), "application/json")
                .multiPart("input", notebook, resource(notebook), "application/x-ipynb+json");
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            request = request.multiPart("files", f.getKey(), f.getValue(), "application/octet-stream");
        }
        long t0 = System.nanoTime();
        var response = request.when().post("/scheduler/jobs").then().extract();
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        if (response.statusCode() != 200) {
            throw new AssertionError("create failed with " + response.statusCode() + ": " + response.asString());
        }
        String id = response.path("job_id");
        created.add(id);
        log("created %s (%s) in %d ms", id, job.get("name"), took.toMillis());
        return new Created(id, took);
    }

    /**
     * POST /scheduler/jobs as multipart (the job JSON and the notebook), whatever it answers: for
     * many concurrent creates, which need not succeed (a repeated idempotency token is a 409).
     * A 200's job id is remembered for {@link #deleteCreatedJobs}.
     */
    Response createRaw(Map<String, Object> job, String notebook) {
        String boundary = "nbj-e2e-" + java.util.UUID.randomUUID();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        byte[] crlf = "\r\n".getBytes(StandardCharsets.UTF_8);
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"job\"\r\n"
                + "Content-Type: application/json\r\n\r\n" + JsonText.of(job)).getBytes(StandardCharsets.UTF_8));
        body.writeBytes(crlf);
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"input\"; filename=\"" + notebook
                + "\"\r\nContent-Type: application/x-ipynb+json\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(resource(notebook));
        body.writeBytes(crlf);
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        Response r = send(HttpRequest.newBuilder(uri("/jobs")).header("Content-Type", "multipart/form-data; boundary="
                + boundary).POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
        if (r.status() == 200) {
            created.add((String) r.json().get("job_id"));
        }
        return r;
    }

    /** POST /scheduler/job_definitions as multipart; returns the definition's id. */
    String createDefinition(Map<String, Object> definition, String notebook, Map<String, byte[]> files) {
        RequestSpecification request = given().port(port()).header("Authorization", authorization)
                .multiPart("job", JsonText.of(definition), "application/json")
                .multiPart("input", notebook, resource(notebook), "application/x-ipynb+json");
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            request = request.multiPart("files", f.getKey(), f.getValue(), "application/octet-stream");
        }
        var response = request.when().post("/scheduler/job_definitions").then().extract();
        if (response.statusCode() != 200) {
            throw new AssertionError("create definition failed with " + response.statusCode() + ": " + response.asString());
        }
        String id = response.path("job_definition_id");
        log("created definition %s (%s, '%s')", id, definition.get("name"), definition.get("schedule"));
        return id;
    }

    Response patchDefinition(String id, String json) {
        return send(HttpRequest.newBuilder(uri("/job_definitions/" + id)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    Response deleteDefinition(String id) {
        return send(HttpRequest.newBuilder(uri("/job_definitions/" + id)).DELETE());
    }

    String create(Map<String, Object> job, String notebook) {
        return create(job, notebook, Map.of()).jobId();
    }

    static byte[] resource(String name) {
        try (InputStream in = E2EService.class.getResourceAsStream("/e2e/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource e2e/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Response(int status, String body, Duration took) {
        Map<String, Object> json() {
            try {
                return JSON.readValue(body, new TypeReference<Map<String, Object>>() {
                });
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    Response get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    /**
     * GETs a streamed response in the background, handing each line to {@code onLine} as it
     * arrives; completes with the HTTP status once the server ends the stream.
     */
    java.util.concurrent.CompletableFuture<Integer> follow(String path, java.util.function.Consumer<String> onLine) {
        HttpRequest request = HttpRequest.newBuilder(uri(path)).header("Authorization", authorization)
                .header("Accept", "text/plain").GET().build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).thenApply(r -> {
            r.body().forEach(onLine);
            return r.statusCode();
        });
    }

    /** The HTTP status of /q/health/ready. */
    int readiness() {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + "/q/health/ready")).GET()).status();
    }

    byte[] download(String jobId, String file) {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri("/jobs/" + jobId + "/files/" + file))
                    .header("Authorization", authorization).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new AssertionError("GET files/" + file + " of " + jobId + ": " + r.statusCode() + " "
                        + new String(r.body(), StandardCharsets.UTF_8));
            }
            return r.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** DescribeJob, or null when the job does not exist (404). */
    Map<String, Object> describe(String jobId) {
        Response r = get("/jobs/" + jobId);
        if (r.status() == 404) {
            return null;
        }
        if (r.status() != 200) {
            throw new AssertionError("GET /jobs/" + jobId + ": " + r.status() + " " + r.body());
        }
        return r.json();
    }

    Response stop(String jobId) {
        Response r = send(HttpRequest.newBuilder(uri("/jobs/" + jobId)).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"status\": \"STOPPED\"}")));
        log("stop %s: %d in %d ms", jobId, r.status(), r.took().toMillis());
        return r;
    }

    Response delete(String jobId) {
        Response r = send(HttpRequest.newBuilder(uri("/jobs/" + jobId)).DELETE());
        log("delete %s: %d in %d ms", jobId, r.status(), r.took().toMillis());
        return r;
    }

    /** Names in GET /jobs/{id}/files ("input/x.ipynb", "output/...", "files/..."). */
    @SuppressWarnings("unchecked")
    List<String> fileNames(String jobId) {
        Response r = get("/jobs/" + jobId + "/files");
        if (r.status() != 200) {
            throw new AssertionError("GET /jobs/" + jobId + "/files: " + r.status() + " " + r.body());
        }
        List<String> names = new ArrayList<>();
        for (Map<String, Object> f : (List<Map<String, Object>>) r.json().get("files")) {
            names.add((String) f.get("name"));
        }
        return names.stream().sorted().toList();
    }

    /** Job ids in the history for a query such as {@code name=prefix}. */
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> history(String query) {
        Response r = get("/jobs?" + query);
        if (r.status() != 200) {
            throw new AssertionError("GET /jobs?" + query + ": " + r.status() + " " + r.body());
        }
        return (List<Map<String, Object>>) r.json().get("jobs");
    }

    static String query(String name, String value) {
        return name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private Response send(HttpRequest.Builder request) {
        long t0 = System.nanoTime();
        try {
            HttpResponse<String> r = http.send(request.header("Authorization", authorization)
                    .timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + "/scheduler" + path);
    }

    int port() {
        ServiceProcess p = process;
        if (p == null) {
            throw new IllegalStateException("the service is not running");
        }
        return p.port();
    }

    // ---- waiting

    /**
     * Polls the job until its status is one of {@code statuses}; prints each status change with
     * the time since the wait began. Fails with the service log and kubectl output on timeout.
     */
    Map<String, Object> awaitStatus(String jobId, Set<String> statuses, Duration timeout) {
        long t0 = System.nanoTime();
        String[] last = { null, null };
        return await("job " + jobId + " to be " + statuses, timeout, () -> {
            Map<String, Object> job = describe(jobId);
            String status = job == null ? "(gone)" : (String) job.get("status");
            String message = job == null ? null : (String) job.get("status_message");
            if (!Objects.equals(status, last[0]) || !Objects.equals(message, last[1])) {
                observed.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>()).add(status + ": " + message);
                log("  %s: %s after %.1f s%s", jobId.substring(0, 8), status, seconds(t0),
                        message == null ? "" : " (" + abbreviate(message, 100) + ")");
                last[0] = status;
                last[1] = message;
            }
            return job;
        }, job -> job != null && statuses.contains((String) job.get("status")));
    }

    /** Every distinct "STATUS: status_message" {@link #awaitStatus} saw for the job, in order. */
    List<String> observed(String jobId) {
        return List.copyOf(observed.getOrDefault(jobId, List.of()));
    }

    /**
     * Like {@link #awaitStatus}, and also logs when the cluster reached each step (pod created,
     * scheduled, running, ended; Job condition), to tell where time went: the process node, the
     * controllers or the service.
     */
    Map<String, Object> awaitStatusTracing(String jobId, Set<String> statuses, Duration timeout) {
        long t0 = System.nanoTime();
        Map<String, Double> seen = new LinkedHashMap<>();
        String[] last = { null };
        try {
            return await("job " + jobId + " to be " + statuses, timeout, () -> {
                try {
                    for (var pod : cluster.pods(jobId)) {
                        seen.putIfAbsent("pod created", seconds(t0));
                        if (pod.getSpec().getNodeName() != null) {
                            seen.putIfAbsent("pod scheduled", seconds(t0));
                        }
                        seen.putIfAbsent("pod " + pod.getStatus().getPhase(), seconds(t0));
                    }
                    var job = cluster.job(jobId);
                    if (job != null && job.getStatus() != null && job.getStatus().getConditions() != null) {
                        job.getStatus().getConditions().stream().filter(c -> "True".equals(c.getStatus()))
                                .forEach(c -> seen.putIfAbsent("Job " + c.getType(), seconds(t0)));
                    }
                } catch (RuntimeException apiServerAway) {
                    // the service's view is what counts
                }
                Map<String, Object> job = describe(jobId);
                String status = job == null ? "(gone)" : (String) job.get("status");
                if (!status.equals(last[0])) {
                    seen.putIfAbsent("service " + status, seconds(t0));
                    last[0] = status;
                }
                return job;
            }, job -> job != null && statuses.contains((String) job.get("status")));
        } finally {
            List<String> steps = new ArrayList<>();
            seen.forEach((k, v) -> steps.add(String.format("%s +%.1f s", k, v)));
            log("  %s: %s", jobId.substring(0, 8), String.join(", ", steps));
        }
    }

    /** Polls {@code probe} every 250 ms until {@code done} accepts its value; errors count as not done. */
    /**
     * The job's Kubernetes Job once the service has written its outcome onto it. The API reports
     * an ended job from what it sees (conditions, pods gone) at once; the reconciler writes that
     * outcome on the next event or tick, a moment later.
     */
    io.fabric8.kubernetes.api.model.batch.v1.Job awaitOutcomeWritten(String jobId) {
        return await("the outcome written on the Job of " + jobId, Duration.ofSeconds(30), () -> cluster.job(jobId),
                j -> j.getMetadata().getAnnotations() != null
                        && j.getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
    }

    <T> T await(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T value = null;
        Throwable lastError = null;
        while (true) {
            try {
                value = probe.get();
                lastError = null;
                if (done.test(value)) {
                    return value;
                }
            } catch (RuntimeException | AssertionError e) {
                lastError = e;
            }
            if (System.nanoTime() > deadline) {
                AssertionError failure = new AssertionError("Timed out after " + timeout.toSeconds() + " s waiting for "
                        + what + "; last value: " + value + (lastError == null ? "" : "; last error: " + lastError)
                        + Diagnostics.report(this, cluster));
                if (lastError != null) {
                    failure.addSuppressed(lastError);
                }
                throw failure;
            }
            sleep(Duration.ofMillis(250));
        }
    }

    /** Deletes every job this service created that still exists (API first, the cluster as a fallback). */
    void deleteCreatedJobs() {
        for (String id : created) {
            try {
                if (process != null && describe(id) != null) {
                    delete(id);
                }
            } catch (RuntimeException | AssertionError e) {
                log("cleanup of %s through the API failed: %s", id, e);
            }
            try {
                cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName("nb-job-" + id)
                        .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
            } catch (RuntimeException e) {
                log("cleanup of Job nb-job-%s failed: %s", id, e);
            }
        }
    }

    // ---- helpers

    static void log(String format, Object... args) {
        System.out.printf("[e2e %6.1f s] %s%n", seconds(START), String.format(format, args));
    }

    static double seconds(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e9;
    }

    static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** JSON text of request bodies. */
    static final class JsonText {
        static String of(Object value) {
            try {
                return JSON.writeValueAsString(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
