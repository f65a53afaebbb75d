package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * Against the real Kueue controller (v0.17, started by run-e2e.sh with {@code sim-cluster kueue
 * up}: ClusterQueue nb-small with 1 CPU, LocalQueue notebook-jobs/nb-small). The profile of the
 * group policy below sends jobs of 600m CPU there, so the quota admits one at a time: the second
 * waits with Kueue's own reason and starts once the first ends; a job stopped while it waits never
 * runs; a running job stopped or deleted is ended through its Workload, and the next one starts.
 */
@SimClusterTest
class KueueE2EIT {

    static final String QUEUE = "nb-small";
    static final ResourceDefinitionContext WORKLOADS = new ResourceDefinitionContext.Builder()
            .withGroup("kueue.x-k8s.io").withVersion("v1beta2").withKind("Workload").withPlural("workloads")
            .withNamespaced(true).build();
    static final String POLICY = """
            default_profile: queued
            profiles:
              queued:
                display_name: Queued CPU
                cpu: 600m
                memory: 256Mi
                gpu: 0
                queue: nb-small
            everyone:
              profiles: [queued]
              default_profile: queued
              limits: {max_cpu: "1", max_memory: 1Gi, max_gpu: 0}
            """;

    static SimCluster cluster;
    static E2EService service;

    @BeforeAll
    static void startService() throws IOException {
        cluster = SimCluster.fromEnvironment();
        Path policy = cluster.scratch.resolve("kueue-policy-" + UUID.randomUUID() + ".yaml");
        Files.createDirectories(policy.getParent());
        Files.writeString(policy, POLICY);
        service = E2EService.start(cluster, Map.of(
                "NOTEBOOK_JOBS_KUBE_KUEUE_ENABLED", "true",
                "NOTEBOOK_JOBS_POLICY_FILE", policy.toString()));
        Diagnostics.watch(service, cluster);
    }

    @AfterAll
    static void stopService() {
        if (service != null) {
            service.deleteCreatedJobs();
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theQuotaAdmitsOneJobAtATimeAndTheOtherWaitsWithKueuesReason() {
        String prefix = "e2e kueue " + UUID.randomUUID().toString().substring(0, 8);
        Path gateA = cluster.newGate("kueue-a");
        Path gateB = cluster.newGate("kueue-b");
        long t0 = System.nanoTime();
        String a = service.create(gated(prefix + " a", gateA), "gated.ipynb");
        String b = service.create(gated(prefix + " b", gateB), "gated.ipynb");
        for (String id : List.of(a, b)) {
            Job job = cluster.job(id);
            assertThat(job.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", QUEUE);
        }

        // Kueue admits one; which one is its choice (both were created within a second).
        service.await("one of the two jobs to run", Duration.ofSeconds(90),
                () -> SimCluster.started(gateA) || SimCluster.started(gateB), Boolean::booleanValue);
        boolean aFirst = SimCluster.started(gateA);
        String first = aFirst ? a : b;
        String second = aFirst ? b : a;
        Path firstGate = aFirst ? gateA : gateB;
        Path secondGate = aFirst ? gateB : gateA;
        E2EService.log("Kueue admitted %s first; it runs %.1f s after the first create began", first.substring(0, 8),
                E2EService.seconds(t0));
        service.awaitStatus(first, Set.of("IN_PROGRESS"), Duration.ofSeconds(60));

        String waiting = "Waiting in Kueue queue nb-small: couldn't assign flavors to pod set main: insufficient unused "
                + "quota for cpu in flavor sim-default, 200m more needed.";
        Map<String, Object> held = service.await("the second job to say why Kueue holds it", Duration.ofSeconds(60),
                () -> service.describe(second), j -> waiting.equals(j.get("status_message")));
        assertThat(held.get("status")).isEqualTo("QUEUED");
        E2EService.log("waiting job says: %s", held.get("status_message"));
        assertThat(workload(second).orElseThrow().getMetadata().getLabels())
                .containsEntry("kueue.x-k8s.io/job-uid", cluster.job(second).getMetadata().getUid());
        assertThat(SimCluster.started(secondGate)).isFalse();

        // A third job stopped while it waits in the queue never runs.
        Path gateC = cluster.newGate("kueue-c");
        String c = service.create(gated(prefix + " c", gateC), "gated.ipynb");
        service.await("the third job to wait in the queue", Duration.ofSeconds(60), () -> service.describe(c),
                j -> waiting.equals(j.get("status_message")));
        assertThat(service.stop(c).status()).isEqualTo(204);
        assertThat(service.awaitStatus(c, Set.of("STOPPED"), Duration.ofSeconds(30)).get("status_message"))
                .isEqualTo("Stopped by the user.");
        service.await("the stopped job's Workload to be inactive", Duration.ofSeconds(30), () -> workload(c),
                w -> w.isPresent() && Boolean.FALSE.equals(spec(w.get()).get("active")));

        // The first ends: Kueue admits the second.
        long opened = System.nanoTime();
        SimCluster.open(firstGate);
        service.awaitStatus(first, Set.of("COMPLETED"), Duration.ofSeconds(90));
        double firstDone = E2EService.seconds(opened);
        service.await("the second job to run once the first ended", Duration.ofSeconds(90),
                () -> SimCluster.started(secondGate), Boolean::booleanValue);
        E2EService.log("first COMPLETED %.1f s after its gate opened; second running %.1f s after", firstDone,
                E2EService.seconds(opened));
        service.awaitStatus(second, Set.of("IN_PROGRESS"), Duration.ofSeconds(60));
        assertThat(SimCluster.started(gateC)).as("the stopped job never ran").isFalse();

        // A fourth waits behind the second; stopping the running second (through its Workload:
        // Kueue suspends the Job, the executor uploads on SIGTERM) lets the fourth in.
        Path gateD = cluster.newGate("kueue-d");
        String d = service.create(gated(prefix + " d", gateD), "gated.ipynb");
        service.await("the fourth job to wait in the queue", Duration.ofSeconds(60), () -> service.describe(d),
                j -> waiting.equals(j.get("status_message")));
        long stopped = System.nanoTime();
        assertThat(service.stop(second).status()).isEqualTo(204);
        assertThat(service.awaitStatus(second, Set.of("STOPPED"), Duration.ofSeconds(90)).get("status_message"))
                .isEqualTo("Stopped by the user.");
        assertThat(Boolean.TRUE.equals(spec(workload(second).orElseThrow()).get("active"))).isFalse();
        service.await("the fourth job to run once the second was stopped", Duration.ofSeconds(90),
                () -> SimCluster.started(gateD), Boolean::booleanValue);
        E2EService.log("running job stopped through its Workload: STOPPED and the next admitted within %.1f s",
                E2EService.seconds(stopped));
        assertThat(cluster.objectsOf(second)).as("the stopped run's log was saved").contains("logs/executor.log");

        // Deleting the running fourth: Workload deactivated, Job and files gone, the quota freed.
        service.awaitStatus(d, Set.of("IN_PROGRESS"), Duration.ofSeconds(60));
        assertThat(service.delete(d).status()).isEqualTo(204);
        service.await("the deleted job's Job to go", Duration.ofSeconds(90), () -> cluster.job(d),
                java.util.Objects::isNull);
        service.await("the deleted job's files to go", Duration.ofSeconds(30), () -> cluster.objectsOf(d),
                List::isEmpty);
    }

    // ---- helpers

    private static Map<String, Object> gated(String name, Path gate) {
        return E2EService.job(name, List.of("ipynb"), Map.of("gate", SimCluster.gateParameter(gate)));
    }

    private static Optional<GenericKubernetesResource> workload(String jobId) {
        Job job = cluster.job(jobId);
        if (job == null) {
            return Optional.empty();
        }
        return cluster.kube().genericKubernetesResources(WORKLOADS).inNamespace(SimCluster.NAMESPACE)
                .withLabel("kueue.x-k8s.io/job-uid", job.getMetadata().getUid()).list().getItems().stream().findFirst();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource workload) {
        Object spec = workload.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map)) {
            throw new UncheckedIOException(new IOException("Workload " + workload.getMetadata().getName() + " has no spec"));
        }
        return (Map<String, Object>) spec;
    }
}
