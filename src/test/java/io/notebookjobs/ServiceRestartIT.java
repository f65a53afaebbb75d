package io.notebookjobs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
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
import io.notebookjobs.testing.NotificationReceivers;
import io.notebookjobs.testing.S3ProxyServer;
import io.notebookjobs.testing.ServiceProcess;

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
    ServiceProcess service;

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
            service.close();
        }
        if (controller != null) {
            controller.close();
        }
    }

    @Test
    void aRestartedServicePicksEveryJobUpAndLosesNothing() {
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
        service.kill();
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

    @Test
    void runsOfADefinitionLandUnderTheirOwnPrefixesAndSurviveARestart() {
        controller = FakeJobController.start(client, NAMESPACE);
        startService();
        String id = Api.submitDefinition(Api.createDefinition("scheduled", "* * * * *", null));
        String cronJob = "nb-jobdef-" + id;
        java.time.Instant minute = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
        String first = controller.fire(cronJob, minute.minusSeconds(120));
        controller.run(first);
        controller.succeed(first, "ok");
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Api.status(first).equals("COMPLETED"));

        service.kill();
        String second = controller.fire(cronJob, minute.minusSeconds(60));
        controller.run(second);
        controller.succeed(second, "ok");
        String third = controller.fire(cronJob, minute);

        startService();
        Api.definition(id).statusCode(200).body("active", org.hamcrest.Matchers.equalTo(true));
        List<String> runs = given().when().get("/scheduler/jobs?job_definition_id=" + id).then().statusCode(200)
                .extract().path("jobs.job_id");
        assertThat(runs).containsExactlyInAnyOrder(first, second, third);
        assertThat(Api.status(second)).isEqualTo("COMPLETED");
        assertThat(Api.status(third)).isEqualTo("QUEUED");
        List<String> prefixes = new java.util.ArrayList<>();
        for (String run : runs) {
            String prefix = client.batch().v1().jobs().inNamespace(NAMESPACE).withName(run).get().getSpec().getTemplate()
                    .getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getName().equals("NBJ_OUTPUT_PREFIX"))
                    .findFirst().orElseThrow().getValue().replace("$(NBJ_JOB_NAME)", run);
            prefixes.add(prefix);
        }
        assertThat(prefixes).doesNotHaveDuplicates().allMatch(p -> p.startsWith("jobs/nb-jobdef-" + id + "-"));
    }

    @Test
    void aNotificationDueWhileNoServiceRanIsSentOnceByTheNextProcess() throws Exception {
        NotificationReceivers receivers = new NotificationReceivers();
        Map<String, String> settings = new java.util.HashMap<>(receivers.start());
        try {
            settings.put("notebook-jobs.notifications.mail-from", "notebook-jobs@restart.example");
            settings.put("notebook-jobs.notifications.interval", "1s");
            controller = FakeJobController.start(client, NAMESPACE);
            startService(settings);
            Map<String, Object> job = Api.with(Api.createJob("told after restart"), "email_notifications",
                    Map.of("on_success", List.of("ann@example.org")));
            String id = Api.submit(Api.with(job, "webhook_notifications",
                    Map.of("on_start", List.of("team"), "on_success", List.of("team"))));
            controller.run("nb-job-" + id);
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> receivers.calls("team").size() == 1);
            // Killed once the start's sent mark is on the Job: killed between the send and the mark,
            // the next process would send the start again (at least once, documented).
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> String.valueOf(client.batch().v1().jobs()
                    .inNamespace(NAMESPACE).withName("nb-job-" + id).get().getMetadata().getAnnotations()
                    .get("scheduler.jupyter.org/notified")).contains("\"start/webhook:team\":{\"state\":\"sent\""));

            service.kill();
            controller.succeed("nb-job-" + id, "ok");
            startService(settings);

            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> receivers.calls("team").size() == 2
                    && receivers.mail().getReceivedMessages().length == 1);
            assertThat(receivers.calls("team").stream().map(c -> c.header("X-Notebook-Jobs-Event")))
                    .containsExactly("job.started", "job.succeeded");
            assertThat(receivers.mail().getReceivedMessages()[0].getSubject())
                    .isEqualTo("Notebook job \"told after restart\" completed");
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> "done".equals(client.batch().v1().jobs()
                    .inNamespace(NAMESPACE).withName("nb-job-" + id).get().getMetadata().getLabels()
                    .get("scheduler.jupyter.org/notify")));
            List<String> states = Api.get(id).extract().path("notifications.state");
            assertThat(states).containsExactly("sent", "sent", "sent");
            Thread.sleep(3000); // three more ticks: nothing is sent again
            assertThat(receivers.calls("team")).hasSize(2);
            assertThat(receivers.mail().getReceivedMessages()).hasSize(1);
        } finally {
            receivers.stop();
        }
    }

    private void startService() {
        startService(Map.of());
    }

    /** @param settings configuration keys, passed as system properties */
    private void startService(Map<String, String> settings) {
        Map<String, String> env = ServiceProcess.s3Environment(s3.endpoint(), BUCKET, S3ProxyServer.ACCESS_KEY,
                S3ProxyServer.SECRET_KEY);
        env.put("K8S_NAMESPACE", NAMESPACE);
        env.put("QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", client.getConfiguration().getMasterUrl());
        env.put("QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true");
        env.put("NOTEBOOK_JOBS_KUBE_DIAGNOSIS_INTERVAL", "1s");
        StringBuilder options = new StringBuilder("-Dkubernetes.http2.disable=true");
        settings.forEach((key, value) -> options.append(" -D").append(key).append('=').append(value));
        env.put("JAVA_TOOL_OPTIONS", options.toString());
        service = ServiceProcess.start(env, Duration.ofSeconds(90));
    }
}
