package io.notebookjobs.notifications;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import io.notebookjobs.jobs.Notify;
import io.restassured.path.json.JsonPath;

class NotificationMessageTest {

    private static final NotificationMessage FAILED = new NotificationMessage(Notify.Event.FAILURE, "j-1", "Q3 <report> & co",
            "FAILED", "Cell 2 raised KeyError: 'x'. (exit code 1)", "d-9", 1_700_000_000_000L, 1_700_000_060_000L,
            1_700_000_120_000L, "https://lab.example.org/jobs/j-1");

    @Test
    void mailSaysWhatHappenedWithUtcTimesAndTheLink() {
        assertThat(FAILED.subject()).isEqualTo("Notebook job \"Q3 <report> & co\" failed");
        assertThat(FAILED.text()).isEqualTo("""
                The notebook job "Q3 <report> & co" failed.

                Status: FAILED
                Message: Cell 2 raised KeyError: 'x'. (exit code 1)
                Job id: j-1
                Job definition: d-9
                Created: 2023-11-14T22:13:20Z
                Started: 2023-11-14T22:14:20Z
                Ended: 2023-11-14T22:15:20Z
                Link: https://lab.example.org/jobs/j-1
                """);
        NotificationMessage started = new NotificationMessage(Notify.Event.START, "j-2", "x", "IN_PROGRESS", null, null,
                1L, 2L, null, "/scheduler/jobs/j-2");
        assertThat(started.text()).doesNotContain("Message:", "Ended:", "Job definition:");
    }

    @Test
    void jsonCarriesTheApisFieldsAndSlackGetsEscapedText() {
        JsonPath json = JsonPath.from(FAILED.json());
        assertThat(json.getString("event")).isEqualTo("job.failed");
        assertThat(json.getString("status_message")).isEqualTo("Cell 2 raised KeyError: 'x'. (exit code 1)");
        assertThat(json.getLong("end_time")).isEqualTo(1_700_000_120_000L);
        assertThat(JsonPath.from(FAILED.slack()).getString("text")).isEqualTo(
                "Notebook job *Q3 &lt;report&gt; &amp; co* failed (FAILED): Cell 2 raised KeyError: 'x'. (exit code 1)\n"
                        + "<https://lab.example.org/jobs/j-1|j-1>");
    }

    @Test
    void retryDelaysDoubleUpToTheMaximum() {
        Duration first = Duration.ofSeconds(15);
        Duration max = Duration.ofMinutes(10);
        assertThat(java.util.stream.IntStream.rangeClosed(1, 8).mapToObj(n -> Notifier.retryDelay(n, first, max).toSeconds()))
                .containsExactly(15L, 30L, 60L, 120L, 240L, 480L, 600L, 600L);
    }

    @Test
    void aDeliveryLogKeyReadsBackAndAnUnreadableLogIsEmpty() {
        DeliveryLog.Key key = new DeliveryLog.Key(Notify.Event.SUCCESS, "webhook:team");
        assertThat(key.toString()).isEqualTo("success/webhook:team");
        assertThat(DeliveryLog.Key.parse(key.toString())).isEqualTo(key);
        io.fabric8.kubernetes.api.model.batch.v1.Job job = new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
                .withNewMetadata().withName("j").addToAnnotations("scheduler.jupyter.org/notified",
                        "{\"deliveries\":{\"sometime/email\":{\"state\":\"sent\"}}}").endMetadata().build();
        assertThat(DeliveryLog.of(job).deliveries()).isEmpty();
    }
}
