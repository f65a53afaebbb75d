package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Reliability issue, defect 1: a stopped scheduled run must not block its definition. With the
 * real CronJob controller ({@code concurrencyPolicy: Forbid}), a definition every minute whose
 * first run is stopped: the CronJob no longer lists that run in {@code status.active}, the next
 * minute's run starts and completes, the stopped run stays in the history with its record and
 * outputs, and the definition's delete still removes it although it is no longer the CronJob's
 * child.
 *
 * <p>The waiting is real: kube-controller-manager's CronJob controller reads the wall clock and
 * takes no fake clock, and a 5-field schedule fires at most once a minute (checked about every
 * 10 s). So this test waits for two minute boundaries, about 2 to 2.5 minutes, and no longer:
 * every other wait is for an event.
 */
@SimClusterTest
class StoppedScheduledRunE2EIT extends ServiceE2ETest {

    private static final Duration ONE_MINUTE_AND_CONTROLLER = Duration.ofSeconds(80);

    private List<String> runs(String definitionId) {
        return service.history(E2EService.query("job_definition_id", definitionId)).stream()
                .map(r -> (String) r.get("job_id")).sorted().toList();
    }

    private CronJob cronJob(String definitionId) {
        return cluster.kube().batch().v1().cronjobs().inNamespace(SimCluster.NAMESPACE)
                .withName("nb-jobdef-" + definitionId).get();
    }

    private static List<String> active(CronJob cronJob) {
        return cronJob.getStatus() == null || cronJob.getStatus().getActive() == null ? List.of()
                : cronJob.getStatus().getActive().stream().map(ObjectReference::getName).toList();
    }

    private Job kubeJob(String runId) {
        return cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName(runId).get();
    }

    private static List<OwnerReference> owners(Job job) {
        return Optional.ofNullable(job.getMetadata().getOwnerReferences()).orElse(List.of());
    }

    @Test
    void aStoppedRunLetsTheNextMinuteRunAndStaysInTheHistory() {
        Path gate = cluster.newGate("scheduled-stop");
        String name = "e2e stopped scheduled " + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> definition = E2EService.job(name, List.of("ipynb"),
                Map.of("gate", SimCluster.gateParameter(gate)));
        definition.put("schedule", "* * * * *");
        String id = service.createDefinition(definition, "gated.ipynb", Map.of());
        Instant created = Instant.now();

        String first = service.await("the first scheduled run", ONE_MINUTE_AND_CONTROLLER, () -> runs(id),
                r -> !r.isEmpty()).get(0);
        E2EService.log("first run %s after %.0f s", first, Duration.between(created, Instant.now()).toMillis() / 1000.0);
        service.awaitStatus(first, Set.of("IN_PROGRESS"), Duration.ofSeconds(60));
        service.await("the notebook of " + first + " to run its waiting cell", Duration.ofSeconds(60),
                () -> SimCluster.started(gate), Boolean::booleanValue);
        assertThat(active(cronJob(id))).containsExactly(first);

        assertThat(service.stop(first).status()).isEqualTo(204);
        Instant stopped = Instant.now();
        assertThat(service.awaitStatus(first, Set.of("STOPPED", "COMPLETED", "FAILED"), Duration.ofSeconds(60))
                .get("status")).isEqualTo("STOPPED");
        // Released in the stop itself; the controller does not add it back.
        assertThat(active(cronJob(id))).as("the CronJob's active runs right after the stop").doesNotContain(first);
        // A scheduled run's Job is named by its id (awaitOutcomeWritten knows one-off jobs' names only).
        Job stoppedJob = service.await("the outcome written on " + first, Duration.ofSeconds(30), () -> kubeJob(first),
                j -> j.getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
        assertThat(stoppedJob.getSpec().getSuspend()).isTrue();
        assertThat(owners(stoppedJob)).noneMatch(o -> "CronJob".equals(o.getKind()));
        assertThat(stoppedJob.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/job-definition-id", id);

        // The next minute starts on time although the stopped Job is still there, suspended.
        String next = service.await("the run after the stopped one", ONE_MINUTE_AND_CONTROLLER, () -> runs(id),
                r -> r.size() >= 2).stream().filter(r -> !r.equals(first)).findFirst().orElseThrow();
        E2EService.log("next run %s %.0f s after the stop", next, Duration.between(stopped, Instant.now()).toMillis() / 1000.0);
        assertThat(minuteOf(next)).isGreaterThan(minuteOf(first));
        SimCluster.open(gate);
        Map<String, Object> done = service.awaitStatus(next, Set.of("COMPLETED", "FAILED", "STOPPED"), Duration.ofSeconds(120));
        assertThat(done.get("status")).as("next run (message: %s)", done.get("status_message")).isEqualTo("COMPLETED");
        service.await("the CronJob to see its finished run", Duration.ofSeconds(30), () -> active(cronJob(id)),
                a -> !a.contains(next));
        assertThat(active(cronJob(id))).doesNotContain(first);

        // The stopped run's record and outputs stay.
        Map<String, Object> record = service.describe(first);
        assertThat(record.get("status")).isEqualTo("STOPPED");
        assertThat(record.get("job_definition_id")).isEqualTo(id);
        assertThat(record.get("name")).isEqualTo(name);
        assertThat(((Number) record.get("create_time")).longValue()).isEqualTo(minuteOf(first) * 60_000L);
        assertThat(service.fileNames(first)).contains("input/gated.ipynb").anyMatch(f -> f.startsWith("output/"));
        assertThat(kubeJob(first)).as("the stopped run's Job").isNotNull();

        // Not the CronJob's child any more, so not the garbage collector's: the delete finds it by label.
        assertThat(service.deleteDefinition(id).status()).isEqualTo(204);
        assertThat(cronJob(id)).isNull();
        for (String run : List.of(first, next)) {
            // Gone for the API at once; the leader removes its files, then its Job.
            assertThat(service.describe(run)).as("run %s after the delete", run).isNull();
            service.await("the Job of deleted run " + run + " to go", Duration.ofSeconds(90), () -> kubeJob(run),
                    java.util.Objects::isNull);
            assertThat(cluster.objectsOf(run)).as("objects of run %s", run).isEmpty();
        }
    }

    /** A scheduled run is named after its scheduled minute (minutes since the epoch). */
    private static long minuteOf(String runId) {
        return Long.parseLong(runId.substring(runId.lastIndexOf('-') + 1));
    }
}
