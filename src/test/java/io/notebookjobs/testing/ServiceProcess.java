package io.notebookjobs.testing;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;

import io.restassured.RestAssured;

/**
 * The packaged service ({@code target/quarkus-app/quarkus-run.jar}, built by {@code ./mvnw
 * package}) running as its own process, as it runs in a pod: for tests that restart it or point
 * it at a real control plane. REST Assured is pointed at it while it runs.
 */
public final class ServiceProcess implements AutoCloseable {

    private final Process process;
    private final Path log;
    private final int port;

    private ServiceProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts the service with the given environment (S3_BUCKET, K8S_NAMESPACE, ...) on a free
     * port and waits until it reports ready.
     */
    public static ServiceProcess start(Map<String, String> environment, Duration readyWithin) {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": run ./mvnw package (verify does) before this test");
        }
        try {
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dquarkus.http.port=" + port, "-jar", jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command);
            Map<String, String> env = builder.environment();
            env.put("KUBECONFIG", "/nonexistent");
            env.putAll(environment);
            Path log = Files.createTempFile("notebook-jobs-service-", ".log");
            builder.redirectErrorStream(true).redirectOutput(log.toFile());
            ServiceProcess service = new ServiceProcess(builder.start(), log, port);
            service.awaitReady(readyWithin);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops it without warning, like a crashed pod or a lost node. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        kill();
    }

    private void awaitReady(Duration within) {
        RestAssured.port = port;
        try {
            Awaitility.await().atMost(within).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!process.isAlive()) {
                    throw new AssertionError("the service exited:\n" + log());
                }
                try {
                    return given().when().get("/q/health/ready").statusCode() == 200;
                } catch (Exception notListeningYet) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            kill();
            throw new AssertionError("the service did not become ready within " + within + ":\n" + log(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The environment of a service using the given S3 server and bucket. */
    public static Map<String, String> s3Environment(String endpoint, String bucket, String accessKey, String secretKey) {
        Map<String, String> env = new HashMap<>();
        env.put("S3_BUCKET", bucket);
        env.put("S3_ENDPOINT_URL", endpoint);
        env.put("NOTEBOOK_JOBS_S3_PATH_STYLE", "true");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", accessKey);
        env.put("AWS_SECRET_ACCESS_KEY", secretKey);
        return env;
    }
}
