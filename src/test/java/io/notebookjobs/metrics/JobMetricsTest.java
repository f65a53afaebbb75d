package io.notebookjobs.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * What /q/metrics says as jobs go through their lives. Other tests share the application, so
 * each assertion is on the change a test causes, not on absolute values.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class JobMetricsTest extends ServiceTest {

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @Test
    void aCompletedJobIsCountedOnceWithItsWaitAndRunTimes() {
        Map<String, String> ended = Map.of("status", "COMPLETED", "profile", "none", "cause", "ended");
        double endedBefore = sum("notebook_jobs_ended_total", ended);
        double waitsBefore = sum("notebook_jobs_wait_seconds_count", Map.of("status", "COMPLETED"));
        double runsBefore = sum("notebook_jobs_run_seconds_count", Map.of("status", "COMPLETED"));

        String id = Api.submit(job("counted"));
        controller.run(jobName(id));
        controller.succeed(jobName(id), "Notebook ran.");
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
        eventually().until(() -> sum("notebook_jobs_ended_total", ended) == endedBefore + 1);
        assertThat(sum("notebook_jobs_wait_seconds_count", Map.of("status", "COMPLETED"))).isEqualTo(waitsBefore + 1);
        assertThat(sum("notebook_jobs_run_seconds_count", Map.of("status", "COMPLETED"))).isEqualTo(runsBefore + 1);
        // The buckets are the ones for jobs (seconds to a day), not Micrometer's default hundreds.
        assertThat(scrape()).contains("notebook_jobs_run_seconds_bucket{profile=\"none\",status=\"COMPLETED\",le=\"3600.0\"}")
                .doesNotContain("le=\"0.001\"");

        // Reconciling the same job again (a new leader, a resync) counts nothing twice.
        clock.advance(Duration.ofSeconds(5));
        eventually().until(() -> gaugeMatchesTheApi("COMPLETED"));
        assertThat(sum("notebook_jobs_ended_total", ended)).isEqualTo(endedBefore + 1);
    }

    @Test
    void aJobFailedAtTheSchedulingTimeoutIsCountedAsSuch() {
        double timeoutsBefore = sum("notebook_jobs_scheduling_timeouts_total", Map.of());
        Map<String, String> failed = Map.of("status", "FAILED", "cause", "scheduling_timeout");
        double failedBefore = sum("notebook_jobs_ended_total", failed);
        double waitsBefore = sum("notebook_jobs_wait_seconds_count", Map.of("status", "FAILED"));

        String id = Api.submit(job("never scheduled"));
        controller.unschedulable(jobName(id), "0/3 nodes are available: 3 Insufficient cpu.");
        eventually().until(() -> gaugeMatchesTheApi("QUEUED"));
        clock.advance(Duration.ofSeconds(301));
        eventually().until(() -> Api.status(id).equals("FAILED"));
        eventually().until(() -> sum("notebook_jobs_scheduling_timeouts_total", Map.of()) == timeoutsBefore + 1);
        assertThat(sum("notebook_jobs_ended_total", failed)).isEqualTo(failedBefore + 1);
        // Never started: no wait or run time to record.
        assertThat(sum("notebook_jobs_wait_seconds_count", Map.of("status", "FAILED"))).isEqualTo(waitsBefore);
    }

    @Test
    void theReplicaSaysItIsSyncedLeadsAndHowFarItsCacheLagsItsWrites() {
        double lagBefore = sum("notebook_jobs_informer_lag_seconds_count", Map.of());
        String id = Api.submit(job("lag"));
        assertThat(sum("notebook_jobs_informer_lag_seconds_count", Map.of())).isGreaterThan(lagBefore);
        given().when().delete("/scheduler/jobs/" + id).then().statusCode(204);
        eventually().until(() -> k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName(id)).get() == null);
        assertThat(sum("notebook_jobs_informers_synced", Map.of())).as(scrape().lines().filter(l -> l.contains("synced") || l.contains("_leader")).toList().toString()).isEqualTo(1);
        // Leading begins a moment after start-up (the Lease is taken in the background).
        eventually().until(() -> sum("notebook_jobs_leader", Map.of()) == 1);
    }

    /**
     * The gauge of jobs by status counts what the API counts (every job of this application is
     * the default owner's). Compared with the API rather than with an earlier value of the gauge,
     * which may still count a job another test deleted a moment ago.
     */
    private static boolean gaugeMatchesTheApi(String status) {
        int count = given().when().get("/scheduler/jobs/count?status=" + status).then().statusCode(200)
                .extract().path("count");
        return count > 0 && sum("notebook_jobs", Map.of("status", status)) == count;
    }

    // ---- the Prometheus text format, as a scraper reads it

    private static String scrape() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The sum of every sample of the metric whose labels include the given ones; 0 when there is none. */
    private static double sum(String metric, Map<String, String> labels) {
        double total = 0;
        for (String line : scrape().split("\n")) {
            Matcher sample = SAMPLE.matcher(line);
            if (line.startsWith("#") || !sample.matches() || !sample.group(1).equals(metric)) {
                continue;
            }
            Map<String, String> has = new HashMap<>();
            Matcher label = LABEL.matcher(sample.group(2) == null ? "" : sample.group(2));
            while (label.find()) {
                has.put(label.group(1), label.group(2));
            }
            if (has.entrySet().containsAll(labels.entrySet())) {
                total += Double.parseDouble(sample.group(3));
            }
        }
        return total;
    }
}
