package io.notebookjobs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.FakeJobController;
import io.notebookjobs.testing.S3ProxyServer;
import io.restassured.RestAssured;

/**
 * A real restart: the packaged service runs as its own process against the Kubernetes mock
 * server and s3proxy in this JVM, is killed while jobs run, and a new process takes over. Jobs
 * that ended while no service was running get their outcome, running ones are watched on, and the
 * history is whole.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class ServiceRestartIT {

    static final String NAMESPACE = "notebooks";
    static final String BUCKET = "restart-test";

    static KubernetesMockServer server;
    static KubernetesClient client;
    static S3ProxyServer s3;

    FakeJobController controller;
    Process service;
    int port;

    @BeforeAll
    static void startS3() {
        s3 = S3ProxyServer.start();
        s3.createBucket(BUCKET);
    }

    @AfterAll
    static void stopS3() {
        s3.close();
    }

    @AfterEach
    void stopAll() {
        if (service != null) {
            service.destroyForcibly();
        }
        if (controller != null) {
            controller.close();
        }
    }

    @Test
    void aRestartedServicePicksEveryJobUpAndLosesNothing() throws Exception {
        controller = FakeJobController.start(client, NAMESPACE);
        startService();
        String finishesWhileDown = Api.submit(Api.createJob("finishes while down"));
        String finishesAfter = Api.submit(Api.createJob("finishes after restart"));
        String failsWhileDown = Api.submit(Api.createJob("fails while down"));
        String done = Api.submit(Api.createJob("done before"));
        for (String id : List.of(finishesWhileDown, finishesAfter, failsWhileDown, done)) {
            controller.run("nb-job-" + id);
        }
        controller.succeed("nb-job-" + done, "ok");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Api.status(done).equals("COMPLETED")
                && Api.status(finishesAfter).equals("IN_PROGRESS"));

        // Killed without warning, like a crashed pod or a lost node.
        service.destroyForcibly().waitFor();
        controller.succeed("nb-job-" + finishesWhileDown, "ok");
        controller.fail("nb-job-" + failsWhileDown, 1, "Error", "Cell 3 raised KeyError: 'x'.");

        startService();
        assertThat(Api.status(finishesWhileDown)).isEqualTo("COMPLETED");
        Api.get(failsWhileDown).statusCode(200).body("status", org.hamcrest.Matchers.equalTo("FAILED"))
                .body("status_message", org.hamcrest.Matchers.equalTo("Cell 3 raised KeyError: 'x'. (exit code 1)"));
        assertThat(Api.status(finishesAfter)).isEqualTo("IN_PROGRESS");
        controller.succeed("nb-job-" + finishesAfter, "ok");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Api.status(finishesAfter).equals("COMPLETED"));

        // The new process wrote the outcomes back to the Jobs it found ended.
        for (String id : List.of(finishesWhileDown, failsWhileDown, finishesAfter, done)) {
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> client.batch().v1().jobs().inNamespace(NAMESPACE)
                    .withName("nb-job-" + id).get().getMetadata().getAnnotations()
                    .containsKey("scheduler.jupyter.org/outcome"));
        }
        List<String> history = given().when().get("/scheduler/jobs").then().statusCode(200).extract().path("jobs.job_id");
        assertThat(history).containsExactlyInAnyOrder(finishesWhileDown, finishesAfter, failsWhileDown, done);
        List<String> names = given().when().get("/scheduler/jobs?sort_by=name").then().extract().path("jobs.name");
        assertThat(names).containsExactly("done before", "fails while down", "finishes after restart", "finishes while down");
    }

    private void startService() throws IOException {
        port = freePort();
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("run ./mvnw verify: the IT needs the packaged application").exists();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dkubernetes.http2.disable=true",
                "-Dquarkus.http.port=" + port,
                "-jar", jar.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.put("S3_BUCKET", BUCKET);
        env.put("S3_ENDPOINT_URL", s3.endpoint());
        env.put("NOTEBOOK_JOBS_S3_PATH_STYLE", "true");
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        env.put("K8S_NAMESPACE", NAMESPACE);
        env.put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", client.getConfiguration().getMasterUrl());
        env.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true");
        env.put("KUBECONFIG", "/nonexistent");
        env.put("NOTEBOOK_JOBS_KUBE_DIAGNOSIS_INTERVAL", "1s");
        File log = Files.createTempFile("notebook-jobs-service", ".log").toFile();
        builder.redirectErrorStream(true).redirectOutput(log);
        service = builder.start();
        RestAssured.port = port;
        try {
            Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).until(() -> {
                if (!service.isAlive()) {
                    throw new AssertionError("the service exited: " + Files.readString(log.toPath()));
                }
                try {
                    return given().when().get("/q/health/ready").statusCode() == 200;
                } catch (Exception notListeningYet) {
                    return false;
                }
            });
        } catch (RuntimeException e) {
            throw new AssertionError("the service did not become ready: " + Files.readString(log.toPath()), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
