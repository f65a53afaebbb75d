package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Issue item 6: jobs keep their truth across a crashed service and an API server outage. The
 * jobs run e2e/gated.ipynb, which ends when the test creates its gate file, so each job ends
 * exactly where the test wants it: while the service is down, while the API server is down, or
 * after either came back.
 */
@SimClusterTest
class ResilienceE2EIT extends ServiceE2ETest {

    /** How long the controllers (and the service's watches, which back off) may take after an outage. */
    static final Duration RECOVERY = Duration.ofSeconds(120);

    static final String FAILED_MESSAGE = "Cell 4 raised RuntimeError: the test asked this run to fail. "
            + "Outputs up to that cell were uploaded. (exit code 1)";

    @Test
    void aRestartedServiceFindsJobsThatEndedWhileItWasDownAndWatchesTheOthers() {
        String prefix = "e2e service restart " + UUID.randomUUID().toString().substring(0, 8);
        Path gateA = cluster.newGate("service-restart-a");
        Path gateB = cluster.newGate("service-restart-b");
        Path gateC = cluster.newGate("service-restart-c");
        String a = service.create(gated(prefix + " a", gateA), "gated.ipynb");
        String b = service.create(gated(prefix + " b", gateB), "gated.ipynb");
        String c = service.create(gated(prefix + " c", gateC), "gated.ipynb");
        for (Path gate : List.of(gateA, gateB, gateC)) {
            awaitRunning(gate);
        }

        // Killed without warning; meanwhile a completes and c fails.
        service.kill();
        SimCluster.open(gateA);
        SimCluster.fail(gateC);
        service.await("Jobs of " + a + " and " + c + " to end while the service is down", Duration.ofSeconds(60),
                () -> List.of(cluster.job(a), cluster.job(c)),
                jobs -> isTrue(jobs.get(0), "Complete") && isTrue(jobs.get(1), "Failed"));

        service.startProcess();
        long t0 = System.nanoTime();
        service.awaitStatus(a, Set.of("COMPLETED"), Duration.ofSeconds(30));
        Map<String, Object> failed = service.awaitStatus(c, Set.of("FAILED"), Duration.ofSeconds(30));
        E2EService.log("jobs that ended while the service was down: ended in the API %.1f s after the restart",
                E2EService.seconds(t0));
        // The outcome is written for good, so only once the Pods are listed too: with the Job alone
        // it would have no start time and no executor message.
        assertThat(failed.get("status_message")).isEqualTo(FAILED_MESSAGE);
        assertThat(service.describe(b).get("status")).as("the job still running").isEqualTo("IN_PROGRESS");
        SimCluster.open(gateB);
        service.awaitStatus(b, Set.of("COMPLETED"), Duration.ofSeconds(60));

        for (String id : List.of(a, b)) {
            assertEndedWell(id);
        }
        List<Map<String, Object>> history = service.history(E2EService.query("name", prefix));
        assertThat(history).extracting(j -> j.get("job_id")).containsExactlyInAnyOrder(a, b, c);
        assertThat(history).extracting(j -> j.get("status")).containsExactlyInAnyOrder("COMPLETED", "COMPLETED", "FAILED");
    }

    @Test
    void anApiServerOutageLosesNoEventAndLeavesNoJobInAStaleStatus() {
        String prefix = "e2e apiserver restart " + UUID.randomUUID().toString().substring(0, 8);
        Path gateA = cluster.newGate("apiserver-a");
        Path gateB = cluster.newGate("apiserver-b");
        String a = service.create(gated(prefix + " a", gateA), "gated.ipynb");
        String b = service.create(gated(prefix + " b", gateB), "gated.ipynb");
        awaitRunning(gateA);
        awaitRunning(gateB);

        SimCluster.Restart restart = cluster.restartApiServer(Duration.ofSeconds(20));
        restart.awaitDown(Duration.ofSeconds(30));
        long down = System.nanoTime();
        // Reads are served from the service's cache while the API server is away.
        assertThat(service.describe(b).get("status")).as("status read during the outage").isEqualTo("IN_PROGRESS");
        E2EService.log("API server down; readiness of the service: %d",
                service.readiness());

        // Job a's notebook ends during the outage: the executor exits and uploads to S3, but no
        // pod status, Job condition or watch event can be written until the API server is back.
        SimCluster.open(gateA);
        service.await("job " + a + "'s processes to end during the outage", Duration.ofSeconds(15),
                () -> SimCluster.processesOf(a), List::isEmpty);
        assertThat(restart.running()).as("the API server is still down when job a's executor has ended").isTrue();
        E2EService.log("job a's executor ended %.1f s into the outage", E2EService.seconds(down));

        restart.awaitUp(Duration.ofSeconds(120));
        long up = System.nanoTime();
        E2EService.log("API server back after %.1f s", E2EService.seconds(down));

        // Where the time goes after the outage: the pod's final status (process node), the Job's
        // condition (Job controller), then the service's view (its watches).
        double[] podDone = { -1 };
        double[] jobDone = { -1 };
        service.await("job " + a + " to end after the outage", RECOVERY, () -> {
            if (podDone[0] < 0 && cluster.pods(a).stream().anyMatch(p -> "Succeeded".equals(p.getStatus().getPhase()))) {
                podDone[0] = E2EService.seconds(up);
            }
            Job job = cluster.job(a);
            if (jobDone[0] < 0 && job.getStatus().getConditions() != null && job.getStatus().getConditions().stream()
                    .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()))) {
                jobDone[0] = E2EService.seconds(up);
            }
            return (String) service.describe(a).get("status");
        }, status -> Set.of("COMPLETED", "FAILED").contains(status));
        E2EService.log("after the API server came back: pod Succeeded at +%.1f s, Job Complete at +%.1f s, "
                + "service %s at +%.1f s", podDone[0], jobDone[0], service.describe(a).get("status"), E2EService.seconds(up));
        assertThat(service.describe(a).get("status")).isEqualTo("COMPLETED");

        // The watches are back: a job created now runs through, and b ends normally.
        Path gateC = cluster.newGate("apiserver-c");
        SimCluster.open(gateC);
        String c = service.create(gated(prefix + " c", gateC), "gated.ipynb");
        service.awaitStatusTracing(c, Set.of("COMPLETED"), RECOVERY);
        E2EService.log("job created after the outage COMPLETED %.1f s after the API server came back", E2EService.seconds(up));
        assertThat(service.describe(b).get("status")).isEqualTo("IN_PROGRESS");
        SimCluster.open(gateB);
        service.awaitStatus(b, Set.of("COMPLETED"), Duration.ofSeconds(60));

        for (String id : List.of(a, b, c)) {
            assertEndedWell(id);
        }
        List<Map<String, Object>> history = service.history(E2EService.query("name", prefix));
        assertThat(history).extracting(j -> j.get("job_id")).containsExactlyInAnyOrder(a, b, c);
        assertThat(history).allMatch(j -> "COMPLETED".equals(j.get("status")));
        assertThat(service.readiness()).as("readiness after the outage").isEqualTo(200);
    }

    @Test
    void aScheduledRunOutlivesAnApiServerRestartAndTheNextMinuteStillRuns() {
        String name = "e2e definition apiserver restart " + UUID.randomUUID().toString().substring(0, 8);
        // Every run of the definition waits on the same gate: the first waits until the test opens
        // it during the outage, the later ones run straight through.
        Path gate = cluster.newGate("apiserver-definition");
        Map<String, Object> definition = gated(name, gate);
        definition.put("schedule", "* * * * *");
        String id = service.createDefinition(definition, "gated.ipynb", Map.of());

        List<Map<String, Object>> first = service.await("the first scheduled run", Duration.ofSeconds(75),
                () -> runs(id), r -> !r.isEmpty());
        String firstRun = (String) first.get(0).get("job_id");
        awaitRunning(gate);

        SimCluster.Restart restart = cluster.restartApiServer(Duration.ofSeconds(20));
        restart.awaitDown(Duration.ofSeconds(30));
        SimCluster.open(gate);
        restart.awaitUp(Duration.ofSeconds(120));
        long up = System.nanoTime();

        Map<String, Object> run = service.awaitStatus(firstRun, Set.of("COMPLETED", "FAILED"), RECOVERY);
        assertThat(run.get("status")).as("the run that ended during the outage (message: %s)", run.get("status_message"))
                .isEqualTo("COMPLETED");
        assertThat(service.awaitOutcomeWritten(firstRun).getMetadata().getAnnotations()
                .get("scheduler.jupyter.org/outcome")).contains("\"COMPLETED\"");
        assertThat(service.fileNames(firstRun)).contains("output/gated.ipynb", "input/gated.ipynb");
        E2EService.log("scheduled run ended during the outage: COMPLETED %.1f s after the API server came back",
                E2EService.seconds(up));

        // The CronJob was not left waiting on a stale active run: a later minute starts and ends.
        List<Map<String, Object>> later = service.await("a run after the outage", Duration.ofSeconds(90),
                () -> runs(id), r -> r.stream().anyMatch(j -> !firstRun.equals(j.get("job_id"))));
        String nextRun = later.stream().map(j -> (String) j.get("job_id")).filter(j -> !firstRun.equals(j)).findFirst()
                .orElseThrow();
        assertThat(service.awaitStatus(nextRun, Set.of("COMPLETED", "FAILED"), RECOVERY).get("status"))
                .isEqualTo("COMPLETED");
        E2EService.log("next scheduled run %s COMPLETED %.1f s after the API server came back", nextRun,
                E2EService.seconds(up));

        // The definition still takes changes, and its delete takes its runs with it.
        assertThat(service.patchDefinition(id, "{\"active\": false}").status()).isEqualTo(204);
        List<String> runIds = runs(id).stream().map(j -> (String) j.get("job_id")).toList();
        assertThat(service.deleteDefinition(id).status()).isEqualTo(204);
        for (String r : runIds) {
            service.await("the Job of deleted run " + r + " to go", Duration.ofSeconds(90),
                    () -> cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName(r).get(),
                    java.util.Objects::isNull);
            assertThat(cluster.objectsOf(r)).as("objects of run %s", r).isEmpty();
        }
    }

    // ---- helpers

    private static List<Map<String, Object>> runs(String definitionId) {
        return service.history(E2EService.query("job_definition_id", definitionId));
    }

    private static void awaitRunning(Path gate) {
        service.await("the notebook waiting on " + gate.getFileName() + " to run", Duration.ofSeconds(90),
                () -> SimCluster.started(gate), Boolean::booleanValue);
    }

    private static boolean isTrue(Job job, String condition) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions()
                .stream().anyMatch(c -> condition.equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static Map<String, Object> gated(String name, Path gate) {
        return E2EService.job(name, List.of("ipynb"), Map.of("gate", SimCluster.gateParameter(gate)));
    }

    /** COMPLETED everywhere: the API, the Job's condition, the outcome the service wrote, the outputs. */
    private static void assertEndedWell(String id) {
        Map<String, Object> job = service.describe(id);
        assertThat(job.get("status")).as("status of %s", id).isEqualTo("COMPLETED");
        assertThat(job.get("status_message")).isNull();
        assertThat(job.get("start_time")).as("start_time of %s", id).isNotNull();
        assertThat(job.get("end_time")).isNotNull();
        Job k8sJob = service.awaitOutcomeWritten(id);
        assertThat(k8sJob.getStatus().getConditions())
                .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
        assertThat(k8sJob.getMetadata().getAnnotations().get("scheduler.jupyter.org/outcome")).contains("\"COMPLETED\"");
        assertThat(k8sJob.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/status", "COMPLETED");
        assertThat(service.fileNames(id)).anyMatch(f -> f.matches("output/gated-.*\\.ipynb"))
                .contains("output/gated.ipynb", "input/gated.ipynb");
    }
}
