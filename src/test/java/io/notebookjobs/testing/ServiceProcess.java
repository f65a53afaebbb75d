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
        try {
            Path jar = application().resolve("quarkus-run.jar");
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

    private static Path application;

    /**
     * A copy of the packaged application, made once per test run: a build in the same checkout
     * while tests run must not change the service under them.
     */
    private static synchronized Path application() throws IOException {
        if (application == null) {
            Path built = Path.of("target/quarkus-app");
            if (!Files.exists(built.resolve("quarkus-run.jar"))) {
                throw new IllegalStateException("no " + built + ": run ./mvnw package (verify does) before this test");
            }
            Path copy = Files.createTempDirectory("notebook-jobs-app-");
            try (var files = Files.walk(built)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(built.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(copy)));
            application = copy;
        }
        return application;
    }

    private static void deleteTree(Path root) {
        try (var files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left in the temp folder
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

    /** Stops it and removes its log; a failing test has already printed what it needs. */
    @Override
    public void close() {
        kill();
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            // a leftover log file in the temp folder
        }
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
