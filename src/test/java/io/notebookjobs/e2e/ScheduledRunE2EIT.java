package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Issue item 4: a definition with schedule {@code * * * * *} makes the real CronJob controller
 * spawn a run within about 70 s; the run is in the history with its outputs; pausing prevents
 * the next run; deleting removes the CronJob, the runs and their files.
 */
@SimClusterTest
class ScheduledRunE2EIT extends ServiceE2ETest {

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> runs(String definitionId) {
        return service.history(E2EService.query("job_definition_id", definitionId));
    }

    @Test
    void aCronJobRunsEveryMinuteUntilPaused() {
        String name = "e2e every minute " + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> definition = E2EService.job(name, List.of("ipynb", "html"), Map.of("region", "'us'", "limit", 1));
        definition.put("schedule", "* * * * *");
        definition.put("timezone", "Europe/Vienna");
        definition.put("package_input_folder", true);
        String id = service.createDefinition(definition, "report.ipynb", Map.of("data/sales.csv", E2EService.resource("sales.csv")));

        CronJob cronJob = cluster.kube().batch().v1().cronjobs().inNamespace(SimCluster.NAMESPACE)
                .withName("nb-jobdef-" + id).get();
        assertThat(cronJob.getSpec().getTimeZone()).isEqualTo("Europe/Vienna");
        Instant created = Instant.now();

        List<Map<String, Object>> first = service.await("the first scheduled run", Duration.ofSeconds(75),
                () -> runs(id), r -> !r.isEmpty());
        String runId = (String) first.get(0).get("job_id");
        E2EService.log("first run %s after %.0f s", runId, Duration.between(created, Instant.now()).toMillis() / 1000.0);
        assertThat(runId).matches("nb-jobdef-" + id + "-\\d+");
        Job job = cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName(runId).get();
        assertThat(job.getMetadata().getOwnerReferences()).anyMatch(o -> "CronJob".equals(o.getKind()));
        assertThat(job.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/job-definition-id", id);

        Map<String, Object> run = service.awaitStatus(runId, Set.of("COMPLETED", "FAILED"), Duration.ofSeconds(120));
        assertThat(run.get("status")).as("status (message: %s)", run.get("status_message")).isEqualTo("COMPLETED");
        assertThat(run.get("job_definition_id")).isEqualTo(id);
        assertThat(run.get("name")).isEqualTo(name);
        // Named by the scheduled minute, as the executor named them; under the run's own prefix.
        long scheduled = Long.parseLong(runId.substring(runId.lastIndexOf('-') + 1)) * 60_000L;
        assertThat(((Number) run.get("create_time")).longValue()).isEqualTo(scheduled);
        List<String> files = service.fileNames(runId);
        assertThat(files).contains("input/report.ipynb", "input/data/sales.csv", "output/report.ipynb", "files/summary.txt")
                .anyMatch(f -> f.matches("output/report-\\d{4}-.*-[AP]M\\.html"));
        assertThat(cluster.objectsOf(runId)).isNotEmpty().allMatch(k -> !k.startsWith("input/"));
        for (Object f : (List<?>) run.get("job_files")) {
            String path = (String) ((Map<?, ?>) f).get("file_path");
            if (path.startsWith("output/")) {
                assertThat(files).contains(path);
            }
        }

        // Paused: once the current minute's run exists, no later minute makes another.
        assertThat(service.patchDefinition(id, "{\"active\": false}").status()).isEqualTo(204);
        int runsWhenPaused = runs(id).size();
        Instant nextMinute = Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(1, ChronoUnit.MINUTES);
        E2EService.sleep(Duration.between(Instant.now(), nextMinute.plusSeconds(20)));
        assertThat(runs(id)).as("runs after a paused minute").hasSize(runsWhenPaused);
        assertThat(cluster.kube().batch().v1().cronjobs().inNamespace(SimCluster.NAMESPACE).withName("nb-jobdef-" + id)
                .get().getSpec().getSuspend()).isTrue();

        List<String> runIds = runs(id).stream().map(r -> (String) r.get("job_id")).toList();
        assertThat(service.deleteDefinition(id).status()).isEqualTo(204);
        assertThat(cluster.kube().batch().v1().cronjobs().inNamespace(SimCluster.NAMESPACE).withName("nb-jobdef-" + id)
                .get()).isNull();
        for (String r : runIds) {
            assertThat(service.describe(r)).as("run %s after the delete", r).isNull();
        }
        for (String r : runIds) {
            // The leader finishes each run's delete: files, then its Job.
            service.await("the Job of deleted run " + r + " to go", Duration.ofSeconds(90),
                    () -> cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName(r).get(),
                    java.util.Objects::isNull);
            assertThat(cluster.objectsOf(r)).as("objects of run %s", r).isEmpty();
        }
    }
}
