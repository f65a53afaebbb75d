package io.notebookjobs.notifications;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.NotificationReceivers;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;

/**
 * Notifications end to end in the service: a real SMTP server and real HTTP receivers, the
 * leader's delivery, its sent marks on the Job, retries with back-off, giving up, and a leader
 * change between an event and its delivery.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@QuarkusTestResource(value = NotificationReceivers.class, restrictToAnnotatedClass = true)
class NotificationsTest extends ServiceTest {

    @NotificationReceivers.Inject
    NotificationReceivers receivers;

    @jakarta.inject.Inject
    io.notebookjobs.kube.Leader leader;

    @BeforeEach
    void clean() {
        receivers.reset();
        eventually().until(() -> leader.isLeader());
    }

    @Test
    void aCompletedJobTellsEachAddressAndWebhookOnceOfItsStartAndItsSuccess() throws Exception {
        Map<String, Object> job = Api.with(job("nightly report"), "email_notifications", Map.of(
                "on_start", List.of("ann@example.org"),
                "on_success", List.of("ann@example.org", "bob@example.org"),
                "on_failure", List.of("oncall@example.org")));
        job = Api.with(job, "webhook_notifications", Map.of("on_success", List.of("team", "chat")));
        String id = Api.submit(job);
        Api.get(id).body("email_notifications.on_success", equalTo(List.of("ann@example.org", "bob@example.org")))
                .body("email_notifications.no_alert_for_skipped_runs", equalTo(true))
                .body("webhook_notifications.on_success", equalTo(List.of("team", "chat")));
        assertThat(kubeJob(id).getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/notify", "pending");

        controller.run(jobName(id));
        MimeMessage started = awaitMail(1).get(0);
        assertThat(started.getSubject()).isEqualTo("Notebook job \"nightly report\" started");
        assertThat(recipients(started)).containsExactly("ann@example.org");
        assertThat(started.getFrom()[0].toString()).isEqualTo("notebook-jobs@test.example");

        controller.succeed(jobName(id), "Notebook hello.ipynb ran in 1 s.");
        List<MimeMessage> mails = awaitMail(3); // GreenMail keeps one copy per recipient
        MimeMessage succeeded = mails.get(1);
        assertThat(succeeded.getSubject()).isEqualTo("Notebook job \"nightly report\" completed");
        assertThat(recipients(succeeded)).containsExactly("ann@example.org", "bob@example.org");
        String text = (String) succeeded.getContent();
        assertThat(text).contains("Status: COMPLETED", "Job id: " + id, "Link: https://hub.example.org/jobs/" + id);

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == 1
                && receivers.calls("chat").size() == 1);
        NotificationReceivers.Call team = receivers.calls("team").get(0);
        assertThat(team.header("X-Notebook-Jobs-Event")).isEqualTo("job.succeeded");
        assertThat(team.header("X-Notebook-Jobs-Delivery")).isEqualTo(id + "/success/webhook:team");
        assertThat(team.header("X-Notebook-Jobs-Signature"))
                .isEqualTo("sha256=" + WebhookSender.hmac(NotificationReceivers.WEBHOOK_SECRET, team.body()));
        JsonPath payload = JsonPath.from(team.body());
        assertThat(payload.getString("event")).isEqualTo("job.succeeded");
        assertThat(payload.getString("job_id")).isEqualTo(id);
        assertThat(payload.getString("name")).isEqualTo("nightly report");
        assertThat(payload.getString("status")).isEqualTo("COMPLETED");
        assertThat(payload.getLong("start_time")).isPositive();
        assertThat(payload.getLong("end_time")).isGreaterThanOrEqualTo(payload.getLong("start_time"));
        assertThat(payload.getString("url")).isEqualTo("https://hub.example.org/jobs/" + id);
        NotificationReceivers.Call chat = receivers.calls("chat").get(0);
        assertThat(chat.header("X-Notebook-Jobs-Signature")).isNull(); // no secret configured for it
        assertThat(JsonPath.from(chat.body()).getString("text"))
                .isEqualTo("Notebook job *nightly report* completed (COMPLETED)\n<https://hub.example.org/jobs/" + id + "|" + id + ">");

        // Done: every delivery is on the job, the Job leaves the notifier's view, nothing is sent twice.
        eventually().until(() -> "done".equals(kubeJob(id).getMetadata().getLabels().get("scheduler.jupyter.org/notify")));
        JsonPath described = Api.get(id).extract().jsonPath();
        assertThat(described.getList("notifications.channel")).containsExactly("email", "email", "webhook:team", "webhook:chat");
        assertThat(described.getList("notifications.event")).containsExactly("job.started", "job.succeeded",
                "job.succeeded", "job.succeeded");
        assertThat(described.getList("notifications.state")).containsOnly("sent");
        assertThat(described.getList("notifications.attempts")).containsOnly(1);
        Thread.sleep(2500); // more than two notifier ticks
        assertThat(receivers.mail().getReceivedMessages()).hasSize(3);
        assertThat(receivers.calls("team")).hasSize(1);
    }

    @Test
    void aFailedJobTellsItsFailureWithTheServicesMessageAndNotASuccess() throws Exception {
        String id = Api.submit(Api.with(job("fails"), "email_notifications", Map.of(
                "on_success", List.of("ann@example.org"), "on_failure", List.of("oncall@example.org"))));
        controller.run(jobName(id));
        controller.fail(jobName(id), 1, "Error", "Cell 2 raised ValueError: bad region.");
        MimeMessage failed = awaitMail(1).get(0);
        assertThat(failed.getSubject()).isEqualTo("Notebook job \"fails\" failed");
        assertThat(recipients(failed)).containsExactly("oncall@example.org");
        assertThat((String) failed.getContent()).contains("Status: FAILED",
                "Message: Cell 2 raised ValueError: bad region. (exit code 1)");
        eventually().until(() -> "done".equals(kubeJob(id).getMetadata().getLabels().get("scheduler.jupyter.org/notify")));
        assertThat(receivers.mail().getReceivedMessages()).hasSize(1);
    }

    @Test
    void aFailingWebhookIsRetriedWithGrowingDelaysAndDeliveredOnce() {
        receivers.answerNext(500, 503);
        String id = Api.submit(Api.with(job("retried"), "webhook_notifications", Map.of("on_success", List.of("team"))));
        controller.run(jobName(id));
        controller.succeed(jobName(id), "ok");

        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == 1);
        Instant first = clock.instant();
        JsonPath entry = awaitEntry(id, "retrying", 1);
        assertThat(entry.getString("error")).isEqualTo("webhook 'team' answered HTTP 500");
        assertThat(entry.getLong("next_attempt_time")).isEqualTo(entry.getLong("last_attempt_time") + 30_000);
        // Not before its time.
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> receivers.calls("team").size() == 1);

        clock.advance(Duration.ofSeconds(31));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == 2);
        entry = awaitEntry(id, "retrying", 2);
        assertThat(entry.getString("error")).isEqualTo("webhook 'team' answered HTTP 503");
        assertThat(entry.getLong("next_attempt_time")).isEqualTo(entry.getLong("last_attempt_time") + 60_000); // doubled

        clock.advance(Duration.ofSeconds(61));
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == 3);
        awaitEntry(id, "sent", 3);
        assertThat(receivers.calls("team").stream().map(c -> c.header("X-Notebook-Jobs-Delivery")).distinct())
                .containsExactly(id + "/success/webhook:team"); // one delivery id: receivers can drop repeats
        assertThat(clock.instant()).isAfter(first);
        String metrics = given().when().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern(
                "notebook_jobs_notifications_total\\{channel=\"webhook\",event=\"job.succeeded\",result=\"retrying\"} [2-9]");
    }

    @Test
    void aWebhookThatNeverAnswersIsGivenUpAfterItsAttemptsAndSaysWhy() {
        receivers.answerAlways(502);
        String id = Api.submit(Api.with(job("given up"), "webhook_notifications", Map.of("on_failure", List.of("team"))));
        controller.run(jobName(id));
        controller.fail(jobName(id), 1, "Error", "boom");
        for (int attempt = 1; attempt <= 4; attempt++) {
            int expected = attempt;
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == expected);
            clock.advance(Duration.ofMinutes(10)); // past any back-off
        }
        JsonPath entry = awaitEntry(id, "failed", 4);
        assertThat(entry.getString("error")).isEqualTo("webhook 'team' answered HTTP 502");
        assertThat(entry.get("next_attempt_time") == null).isTrue();
        eventually().until(() -> "done".equals(kubeJob(id).getMetadata().getLabels().get("scheduler.jupyter.org/notify")));
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> receivers.calls("team").size() == 4);
    }

    @Test
    void mailThatCannotBeSentWaitsForTheMailServer() throws Exception {
        receivers.stopMailServer();
        try {
            String id = Api.submit(Api.with(job("mail later"), "email_notifications",
                    Map.of("on_success", List.of("ann@example.org"))));
            controller.run(jobName(id));
            controller.succeed(jobName(id), "ok");
            JsonPath entry = awaitEntry(id, "retrying", 1);
            assertThat(entry.getString("error")).startsWith("the mail server refused or could not be reached: ");
        } finally {
            receivers.startMailServer();
        }
        clock.advance(Duration.ofSeconds(31));
        MimeMessage mail = awaitMail(1).get(0);
        assertThat(mail.getSubject()).isEqualTo("Notebook job \"mail later\" completed");
    }

    @Test
    void whatWasDueWhenLeadershipMovedIsSentOnceByTheNextLeader() {
        String id;
        try {
            leaseToAnotherReplica();
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> !leader.isLeader());
            id = Api.submit(Api.with(job("led"), "webhook_notifications", Map.of("on_start", List.of("team"))));
            controller.run(jobName(id));
            eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
            // A replica that does not lead sends nothing.
            Awaitility.await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4))
                    .until(() -> receivers.calls("team").isEmpty());
        } finally {
            expireLeaseUnlessHeldBy(leader.identity());
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> leader.isLeader());
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == 1);
        awaitEntry(id, "sent", 1);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3))
                .until(() -> receivers.calls("team").size() == 1);
    }

    @Test
    void runsOfADefinitionNotifyAsTheDefinitionSaysAndAnUpdateChangesWhoIsTold() throws Exception {
        Map<String, Object> definition = Api.with(Api.createDefinition("weekly", "0 6 * * 1", null),
                "email_notifications", Map.of("on_success", List.of("ann@example.org")));
        String defId = Api.submitDefinition(definition);
        Api.definition(defId).statusCode(200).body("email_notifications.on_success", equalTo(List.of("ann@example.org")));

        String run = controller.fire("nb-jobdef-" + defId, Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MINUTES));
        controller.run(run);
        controller.succeed(run, "ok");
        MimeMessage mail = awaitMail(1).get(0);
        assertThat(recipients(mail)).containsExactly("ann@example.org");
        assertThat(mail.getSubject()).isEqualTo("Notebook job \"weekly\" completed");

        Api.patchDefinition(defId, Map.of("email_notifications", Map.of("on_success", List.of("team-lead@example.org"))))
                .statusCode(204);
        Api.definition(defId).body("email_notifications.on_success", equalTo(List.of("team-lead@example.org")));
        Api.patchDefinition(defId, Map.of("email_notifications", Map.of("on_success", List.of("not an address"))))
                .statusCode(400).body("message", org.hamcrest.Matchers.startsWith("email_notifications.on_success[0]: "));
        // A change of something else keeps who is told.
        Api.patchDefinition(defId, Map.of("tags", List.of("kept"))).statusCode(204);
        Api.definition(defId).body("email_notifications.on_success", equalTo(List.of("team-lead@example.org")));
    }

    @Test
    void theStockFormSendsThemAsRuntimeParametersAndTheProfilesSayWhatCanBeSent() throws Exception {
        given().when().get("/scheduler/profiles").then().statusCode(200)
                .body("notifications.email", equalTo(true))
                .body("notifications.webhooks", equalTo(List.of("chat", "team")));
        Map<String, Object> job = job("from the form");
        @SuppressWarnings("unchecked")
        Map<String, Object> parameters = (Map<String, Object>) job.get("runtime_environment_parameters");
        parameters.put("notify.email.on_failure", "oncall@example.org, ann@example.org");
        parameters.put("notify.webhook.on_failure", "team");
        String id = Api.submit(job);
        Api.get(id).body("email_notifications.on_failure", equalTo(List.of("oncall@example.org", "ann@example.org")))
                .body("webhook_notifications.on_failure", equalTo(List.of("team")))
                .body("runtime_environment_parameters.'notify.webhook.on_failure'", equalTo("team"));
        controller.run(jobName(id));
        controller.fail(jobName(id), 1, "Error", "boom");
        MimeMessage failed = awaitMail(2).get(0);
        assertThat(failed.getSubject()).isEqualTo("Notebook job \"from the form\" failed");
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.calls("team").size() == 1);

        Map<String, Object> bad = job("bad from the form");
        @SuppressWarnings("unchecked")
        Map<String, Object> badParameters = (Map<String, Object>) bad.get("runtime_environment_parameters");
        badParameters.put("notify.email.on_start", "ann");
        Api.submit(bad, Api.notebook("hello.ipynb"), Map.of()).statusCode(400).body("message", equalTo(
                "runtime_environment_parameters.notify.email.on_start[0]: must be one email address such as "
                        + "someone@example.org, not 'ann'"));
        badParameters.remove("notify.email.on_start");
        badParameters.put("notify.sms.on_start", "+4912345");
        Api.submit(bad, Api.notebook("hello.ipynb"), Map.of()).statusCode(400).body("message",
                org.hamcrest.Matchers.startsWith("runtime_environment_parameters.notify.sms.on_start: unknown notification key"));
        badParameters.remove("notify.sms.on_start");
        badParameters.put("notify.email.on_start", "ann@example.org");
        Api.submit(Api.with(bad, "email_notifications", Map.of("on_start", List.of("bob@example.org"))),
                Api.notebook("hello.ipynb"), Map.of()).statusCode(400).body("message", equalTo("runtime_environment_parameters: "
                        + "notify.* keys and email_notifications / webhook_notifications at once; give one of them"));
    }

    @Test
    void badNotificationsAreRefusedNamingTheFieldAndLeaveNothingBehind() {
        int jobsBefore = k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems().size();
        Api.submit(Api.with(job("x"), "email_notifications", Map.of("on_failure", List.of("ann@example.org", "ann at example"))),
                Api.notebook("hello.ipynb"), Map.of())
                .statusCode(400).body("message", equalTo("email_notifications.on_failure[1]: must be one email address "
                        + "such as someone@example.org, not 'ann at example'"));
        Api.submit(Api.with(job("x"), "webhook_notifications", Map.of("on_start", List.of("https://hooks.example.org/x"))),
                Api.notebook("hello.ipynb"), Map.of())
                .statusCode(400).body("message", equalTo("webhook_notifications.on_start[0]: no webhook named "
                        + "'https://hooks.example.org/x' (configured: chat, team); a webhook is an endpoint the operator "
                        + "sets up, named here, not a URL"));
        List<String> many = java.util.stream.IntStream.range(0, 11).mapToObj(i -> "p" + i + "@example.org").toList();
        Api.submit(Api.with(job("x"), "email_notifications", Map.of("on_success", many)), Api.notebook("hello.ipynb"), Map.of())
                .statusCode(400).body("message", equalTo("email_notifications.on_success: at most 10 addresses, not 11"));
        Api.submit(Api.with(job("x"), "email_notifications", "everyone"), Api.notebook("hello.ipynb"), Map.of())
                .statusCode(400);
        assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(jobsBefore);
    }

    // ---- helpers

    private List<MimeMessage> awaitMail(int count) {
        Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> receivers.mail().getReceivedMessages().length >= count);
        return Arrays.asList(receivers.mail().getReceivedMessages());
    }

    private static List<String> recipients(MimeMessage message) throws Exception {
        return Arrays.stream(message.getRecipients(Message.RecipientType.TO)).map(Object::toString).toList();
    }

    /** The job's one notification entry, once it has that state and number of attempts. */
    private JsonPath awaitEntry(String id, String state, int attempts) {
        return eventually().until(() -> {
            JsonPath job = Api.get(id).extract().jsonPath();
            return job.getList("notifications") == null || job.getList("notifications").isEmpty() ? null
                    : JsonPath.from(Api.json(job.getList("notifications").get(0)));
        }, e -> e != null && state.equals(e.getString("state")) && e.getInt("attempts") == attempts);
    }
}
