package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Issue item 5: stopping and deleting jobs that really run. The pods go away for real (the local
 * executor and kernel processes end; the garbage collector removes pods and the per-job Secret
 * after their Job), and a delete removes the job's objects from S3.
 */
@SimClusterTest
class StopAndDeleteE2EIT extends ServiceE2ETest {

    @Test
    void stoppingARunningJobEndsItsProcessesUploadsWhatItHasAndStaysStopped() {
        Path gate = cluster.newGate("stop");
        String id = startRunning("e2e stop", gate, false);

        E2EService.Response stop = service.stop(id);
        assertThat(stop.status()).isEqualTo(204);
        // Not the 10 s cache-wait timeout (a write waiting for a version the Job controller replaced).
        assertThat(stop.took()).as("stop took").isLessThan(Duration.ofSeconds(5));
        Map<String, Object> job = service.awaitStatus(id, Set.of("STOPPED", "COMPLETED", "FAILED"), Duration.ofSeconds(60));
        assertThat(job.get("status")).isEqualTo("STOPPED");
        assertThat(job.get("status_message")).isEqualTo("Stopped by the user.");
        assertThat(job.get("end_time")).isNotNull();

        Job k8sJob = service.awaitOutcomeWritten(id);
        assertThat(k8sJob.getSpec().getSuspend()).isTrue();
        assertThat(k8sJob.getMetadata().getAnnotations()).containsKey("scheduler.jupyter.org/stop-requested");
        assertThat(k8sJob.getMetadata().getAnnotations().get("scheduler.jupyter.org/outcome")).contains("\"STOPPED\"");
        assertThat(k8sJob.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/status", "STOPPED");
        awaitNoPodsOrProcesses(id);
        // The executor got SIGTERM in the middle of a cell and uploaded the partially executed notebook.
        assertThat(service.fileNames(id)).anyMatch(f -> f.matches("output/gated-.*\\.ipynb"));

        // Nothing brings it back: the notebook could now finish, and no pod appears.
        SimCluster.open(gate);
        E2EService.sleep(Duration.ofSeconds(5));
        assertThat(cluster.pods(id)).isEmpty();
        assertThat(service.describe(id).get("status")).isEqualTo("STOPPED");
        assertThat(service.stop(id).status()).as("stopping a stopped job again").isEqualTo(204);
    }

    @Test
    void aCompletedJobLosesItsSecretAndItsDeleteRemovesFilesJobAndPods() {
        Path gate = cluster.newGate("delete-completed");
        SimCluster.open(gate);
        E2EService.Created created = service.create(gatedJob("e2e delete completed", gate, true), "gated.ipynb", Map.of());
        // The Secret is adopted between the Job's create and the wait for the cache: the Job
        // controller has changed the Job by then, which must not cost the 10 s cache-wait timeout.
        assertThat(created.took()).as("create with an env variable took").isLessThan(Duration.ofSeconds(5));
        String id = created.jobId();
        service.awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(120));
        assertThat(cluster.objectsOf(id)).isNotEmpty();
        assertThat(cluster.pods(id)).singleElement().satisfies(p -> assertThat(p.getStatus().getPhase()).isEqualTo("Succeeded"));
        // The values were for the pod: the Secret goes once the outcome is recorded.
        service.await("the env Secret of completed " + id + " to go", Duration.ofSeconds(30),
                () -> cluster.secretExists(id), exists -> !exists);

        E2EService.Response deleted = service.delete(id);
        assertThat(deleted.status()).isEqualTo(204);
        // The request only marks the job: it answers at once, the job is gone for the API at
        // once, and the leader removes the files, then the Job.
        assertThat(deleted.took()).as("delete took").isLessThan(Duration.ofSeconds(3));
        assertThat(service.describe(id)).as("the job after delete").isNull();
        awaitDeleted(id);
        awaitCollected(id);
        assertThat(service.history(E2EService.query("name", "e2e delete completed"))).noneMatch(j -> id.equals(j.get("job_id")));
        E2EService.sleep(Duration.ofSeconds(3));
        assertThat(cluster.objectsOf(id)).as("S3 objects 3 s after delete").isEmpty();
    }

    @Test
    void deletingARunningJobEndsItsProcessesAndRemovesJobPodsSecretAndFiles() {
        String id = startRunning("e2e delete running", cluster.newGate("delete-running"), true);

        E2EService.Response deleted = service.delete(id);
        assertThat(deleted.status()).isEqualTo(204);
        // Before: up to 70 s in the request while the executor stopped and uploaded.
        assertThat(deleted.took()).as("delete of a running job took").isLessThan(Duration.ofSeconds(3));
        assertThat(service.describe(id)).as("the job after delete").isNull();
        awaitDeleted(id);
        awaitCollected(id);
        awaitNoPodsOrProcesses(id);
        E2EService.sleep(Duration.ofSeconds(2));
        // Suspending the Job makes the Job controller delete the pod gracefully and the executor
        // uploads its partial outputs on SIGTERM: the service waits for the pods to be gone
        // before it empties the job's prefix, so nothing lands after it.
        assertThat(cluster.objectsOf(id)).as("S3 objects once the deleted job's processes ended").isEmpty();
    }

    // ---- helpers

    /** A gated job; with a user environment variable it has a per-job Secret too. */
    private static Map<String, Object> gatedJob(String name, Path gate, boolean withSecret) {
        Map<String, Object> job = E2EService.job(name + " " + UUID.randomUUID().toString().substring(0, 8),
                List.of("ipynb"), Map.of("gate", SimCluster.gateParameter(gate)));
        if (withSecret) {
            E2EService.runtimeParameters(job).put("env.E2E_TOKEN", "not-a-real-secret");
        }
        return job;
    }

    /** Creates a gated job and waits until its notebook runs (executor and kernel are local processes). */
    private static String startRunning(String name, Path gate, boolean withSecret) {
        String id = service.create(gatedJob(name, gate, withSecret), "gated.ipynb");
        service.awaitStatus(id, Set.of("IN_PROGRESS"), Duration.ofSeconds(60));
        service.await("the notebook of " + id + " to run its waiting cell", Duration.ofSeconds(60),
                () -> SimCluster.started(gate), Boolean::booleanValue);
        assertThat(SimCluster.processesOf(id)).as("local processes of %s", id).isNotEmpty();
        assertThat(cluster.secretExists(id)).as("the job's env Secret").isEqualTo(withSecret);
        return id;
    }

    /** The leader finishes a delete: the job's files go, then its Kubernetes Job. */
    private static void awaitDeleted(String id) {
        service.await("the Kubernetes Job of deleted " + id + " to go", Duration.ofSeconds(90), () -> cluster.job(id),
                Objects::isNull);
        assertThat(cluster.objectsOf(id)).as("S3 objects after delete").isEmpty();
    }

    private static void awaitNoPodsOrProcesses(String id) {
        service.await("no pods of " + id, Duration.ofSeconds(45), () -> cluster.pods(id), List::isEmpty);
        service.await("no local processes of " + id, Duration.ofSeconds(45), () -> SimCluster.processesOf(id),
                List::isEmpty);
    }

    /** The garbage collector removes what the deleted Job owned: its pods and its env Secret. */
    private static void awaitCollected(String id) {
        service.await("the pods of deleted " + id + " to be collected", Duration.ofSeconds(45), () -> cluster.pods(id),
                List::isEmpty);
        service.await("the Secret of deleted " + id + " to be collected", Duration.ofSeconds(45),
                () -> cluster.secretExists(id), exists -> !exists);
        assertThat(Objects.requireNonNull(cluster.kube().pods().inNamespace(SimCluster.NAMESPACE)
                .withLabel("batch.kubernetes.io/job-name", "nb-job-" + id).list().getItems())).isEmpty();
    }
}
