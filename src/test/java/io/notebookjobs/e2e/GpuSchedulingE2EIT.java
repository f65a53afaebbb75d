package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Issue items 2 and 3, against the real kube-scheduler: every simulated GPU (sim-gpu-1 has 1,
 * sim-gpu-2 has 2) is held by a pod that never ends, then two jobs ask for GPUs: one for 1 (it
 * waits for a busy GPU) and one for 4 (no node has that many). Both jobs are observed every
 * 500 ms from their submission to the end:
 * <ul>
 * <li>no explanation during the 30 s grace period, then the scheduler's real reason in words that
 * tell "waits for a busy GPU" from "can never fit";</li>
 * <li>FAILED at the (shortened) scheduling timeout, with the Job suspended and its pod gone, and
 * nothing starting once the GPUs are free again.</li>
 * </ul>
 */
@SimClusterTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GpuSchedulingE2EIT {

    static final int SCHEDULING_TIMEOUT = 60;
    static final Duration GRACE = Duration.ofSeconds(30);
    static final String FILL_NAMESPACE = "e2e-gpu-fill";

    static SimCluster cluster;
    static E2EService service;
    static String busy;
    static String tooMany;
    static final Map<String, Timeline> timelines = new ConcurrentHashMap<>();
    static ScheduledExecutorService recorder;

    /** What the API said about one job, and when its (first) pod was created. */
    record Sample(Instant at, String status, String message) {
    }

    static final class Timeline {
        final List<Sample> samples = new CopyOnWriteArrayList<>();
        volatile Instant podCreated;
        volatile String podName;

        Optional<Sample> first(java.util.function.Predicate<Sample> p) {
            return samples.stream().filter(p).findFirst();
        }

        Sample last() {
            return samples.isEmpty() ? null : samples.get(samples.size() - 1);
        }
    }

    @BeforeAll
    static void fillTheGpusAndSubmit() {
        cluster = SimCluster.fromEnvironment();
        service = E2EService.start(cluster, Map.of("K8S_SCHEDULING_TIMEOUT", Integer.toString(SCHEDULING_TIMEOUT)));
        Diagnostics.watch(service, cluster);
        fillGpus();

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> one = E2EService.job("e2e gpu busy " + suffix, List.of("ipynb"), Map.of());
        E2EService.runtimeParameters(one).put("gpu", 1);
        Map<String, Object> four = E2EService.job("e2e gpu too many " + suffix, List.of("ipynb"), Map.of());
        E2EService.runtimeParameters(four).put("gpu", 4);
        busy = service.create(one, "gated.ipynb");
        tooMany = service.create(four, "gated.ipynb");
        timelines.put(busy, new Timeline());
        timelines.put(tooMany, new Timeline());

        recorder = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gpu-timeline");
            t.setDaemon(true);
            return t;
        });
        recorder.scheduleAtFixedRate(GpuSchedulingE2EIT::record, 0, 500, TimeUnit.MILLISECONDS);
    }

    @AfterAll
    static void cleanUp() {
        if (recorder != null) {
            recorder.shutdownNow();
        }
        if (service != null) {
            service.deleteCreatedJobs();
            service.close();
        }
        if (cluster != null) {
            cluster.kube().namespaces().withName(FILL_NAMESPACE).delete();
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void tooManyGpusIsToldApartFromABusyGpu() {
        Map<String, Object> waiting = awaitMessage(busy);
        Map<String, Object> never = awaitMessage(tooMany);
        String waitingMessage = (String) waiting.get("status_message");
        String neverMessage = (String) never.get("status_message");
        E2EService.log("busy GPU: %s", waitingMessage);
        E2EService.log("too many GPUs: %s", neverMessage);

        assertThat(waiting.get("status")).isEqualTo("QUEUED");
        assertThat(waitingMessage)
                .startsWith("Waiting for 1 nvidia.com/gpu: the nodes that have it are busy, so the job starts when one frees up.")
                .contains("3 nodes: not enough free nvidia.com/gpu")
                .contains("(scheduler: 0/5 nodes are available:")
                .contains("No preemption victims found for incoming pod")
                .doesNotContain("can ever");
        assertThat(never.get("status")).isEqualTo("QUEUED");
        assertThat(neverMessage)
                .startsWith("No node can ever hold this job: none has 4 nvidia.com/gpu in total.")
                .contains("(scheduler: 0/5 nodes are available:")
                .contains("5 Preemption is not helpful for scheduling")
                .doesNotContain("No preemption victims");

        // The words in parentheses are the scheduler's own, as on the pod.
        assertThat(waitingMessage).endsWith("(scheduler: " + podScheduledMessage(busy) + ")");
        assertThat(neverMessage).endsWith("(scheduler: " + podScheduledMessage(tooMany) + ")");
    }

    @Test
    @Order(2)
    void aJobWaitingForABusyGpuIsExplainedAfterTheGracePeriodAndFailsAtTheSchedulingTimeout() {
        Map<String, Object> failed = service.awaitStatus(busy, java.util.Set.of("FAILED", "COMPLETED", "STOPPED"),
                Duration.ofSeconds(SCHEDULING_TIMEOUT + 60));
        Timeline t = timelines.get(busy);
        service.await("the timeline to record FAILED", Duration.ofSeconds(10), t::last,
                last -> last != null && last.status().equals("FAILED"));
        Instant pod = t.podCreated;
        assertThat(pod).as("creation time of the busy job's pod").isNotNull();
        printTimeline(busy, t);

        // Never running; QUEUED until FAILED.
        assertThat(t.samples).allMatch(s -> s.status().equals("QUEUED") || s.status().equals("FAILED"),
                "QUEUED or FAILED");
        // The grace period: nothing said for 30 s after the pod was created (its creation
        // timestamp has a one-second resolution, so the service may speak up to 1 s early).
        Instant graceEnds = pod.plus(GRACE);
        List<Sample> duringGrace = t.samples.stream().filter(s -> s.at().isBefore(graceEnds)).toList();
        assertThat(duringGrace).allMatch(s -> s.message() == null, "no status_message during the grace period");
        // (Sampling begins once both creates returned; the end of the grace period counts.)
        assertThat(duringGrace).filteredOn(s -> s.at().isAfter(graceEnds.minusSeconds(10)))
                .as("samples in the last 10 s of the grace period").hasSizeGreaterThan(12);
        Sample explained = t.first(s -> s.message() != null).orElseThrow();
        assertThat(Duration.between(pod, explained.at())).as("explained after")
                .isBetween(GRACE, GRACE.plusSeconds(5));
        assertThat(explained.status()).isEqualTo("QUEUED");
        assertThat(explained.message()).startsWith("Waiting for 1 nvidia.com/gpu: the nodes that have it are busy");

        // Between the explanation and FAILED nothing else is said (the outcome and the suspension
        // are one write: a Job suspended without its outcome reads as "suspended by a queueing system").
        List<String> said = new ArrayList<>();
        t.samples.stream().filter(s -> s.message() != null && s.status().equals("QUEUED")).forEach(s -> said.add(s.message()));
        service.observed(busy).stream().filter(o -> o.startsWith("QUEUED: ") && !o.equals("QUEUED: null"))
                .forEach(o -> said.add(o.substring("QUEUED: ".length())));
        assertThat(said.stream().distinct().map(m -> E2EService.abbreviate(m, 80)).toList())
                .as("status_message of the QUEUED job")
                .allMatch(m -> m.startsWith("Waiting for 1 nvidia.com/gpu: the nodes that have it are busy"),
                        "the busy-GPU explanation");

        // FAILED at the scheduling timeout, with the reason.
        Sample end = t.first(s -> s.status().equals("FAILED")).orElseThrow();
        assertThat(Duration.between(pod, end.at())).as("failed after")
                .isBetween(Duration.ofSeconds(SCHEDULING_TIMEOUT), Duration.ofSeconds(SCHEDULING_TIMEOUT + 8));
        assertThat((String) failed.get("status_message")).startsWith("Not started within the scheduling timeout of "
                + SCHEDULING_TIMEOUT + " s, so the job was stopped. Waiting for 1 nvidia.com/gpu: the nodes that have it are busy");
        assertThat(failed.get("start_time")).isNull();
        assertThat(failed.get("end_time")).isNotNull();

        // The Kubernetes Job is stopped: suspended, its pod deleted, the outcome written.
        Job job = service.awaitOutcomeWritten(busy);
        assertThat(job.getSpec().getSuspend()).isTrue();
        assertThat(job.getMetadata().getAnnotations().get("scheduler.jupyter.org/outcome")).contains("\"FAILED\"");
        assertThat(job.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/status", "FAILED");
        service.await("the busy job's pod to be gone", Duration.ofSeconds(30), () -> cluster.pods(busy), List::isEmpty);

        // ... so it cannot start later: free every GPU and watch for a while.
        cluster.kube().pods().inNamespace(FILL_NAMESPACE).withGracePeriod(0).delete();
        service.await("the GPU fillers to be gone", Duration.ofSeconds(30),
                () -> cluster.kube().pods().inNamespace(FILL_NAMESPACE).list().getItems(), List::isEmpty);
        E2EService.log("GPUs free; watching the failed job for 15 s");
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < until) {
            assertThat(cluster.pods(busy)).as("pods of the failed job after the GPUs were freed").isEmpty();
            E2EService.sleep(Duration.ofMillis(500));
        }
        assertThat(cluster.job(busy).getSpec().getSuspend()).isTrue();
        assertThat(cluster.job(busy).getStatus().getActive()).isIn(null, 0);
        assertThat(service.describe(busy).get("status")).isEqualTo("FAILED");

        // The job that can never fit failed at the same timeout.
        Map<String, Object> never = service.awaitStatus(tooMany, java.util.Set.of("FAILED"), Duration.ofSeconds(30));
        assertThat((String) never.get("status_message")).startsWith("Not started within the scheduling timeout of "
                + SCHEDULING_TIMEOUT + " s, so the job was stopped. No node can ever hold this job");
        printTimeline(tooMany, timelines.get(tooMany));
        Sample neverEnd = timelines.get(tooMany).first(s -> s.status().equals("FAILED")).orElseThrow();
        E2EService.log("busy job FAILED %.1f s after its pod was created; too-many job %.1f s after its pod",
                Duration.between(pod, end.at()).toMillis() / 1e3,
                Duration.between(timelines.get(tooMany).podCreated, neverEnd.at()).toMillis() / 1e3);
    }

    // ---- helpers

    private static void fillGpus() {
        cluster.kube().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(FILL_NAMESPACE)
                .endMetadata().build()).serverSideApply();
        service.await("the default ServiceAccount of " + FILL_NAMESPACE, Duration.ofSeconds(60),
                () -> cluster.kube().serviceAccounts().inNamespace(FILL_NAMESPACE).withName("default").get(),
                Objects::nonNull);
        for (int i = 1; i <= 3; i++) {
            Pod pod = new PodBuilder().withNewMetadata().withName("gpu-fill-" + i).endMetadata()
                    .withNewSpec()
                    .addNewToleration().withKey("nvidia.com/gpu").withOperator("Exists").withEffect("NoSchedule").endToleration()
                    .addNewContainer().withName("fill").withImage("gpu-fill").withNewResources()
                    .addToLimits("nvidia.com/gpu", new Quantity("1")).endResources().endContainer()
                    .endSpec().build();
            cluster.kube().pods().inNamespace(FILL_NAMESPACE).resource(pod).serverSideApply();
        }
        // KWOK pods stay Running until deleted: these hold all three GPUs.
        service.await("3 GPU fillers Running on the GPU nodes", Duration.ofSeconds(60),
                () -> cluster.kube().pods().inNamespace(FILL_NAMESPACE).list().getItems(),
                pods -> pods.size() == 3 && pods.stream().allMatch(p -> "Running".equals(p.getStatus().getPhase())
                        && p.getSpec().getNodeName().startsWith("sim-gpu-")));
        E2EService.log("all 3 simulated GPUs are busy");
    }

    private static void record() {
        for (Map.Entry<String, Timeline> e : timelines.entrySet()) {
            try {
                Timeline t = e.getValue();
                Sample last = t.last();
                if (last != null && !last.status().equals("QUEUED")) {
                    continue;
                }
                if (t.podCreated == null) {
                    List<Pod> pods = cluster.pods(e.getKey());
                    if (!pods.isEmpty()) {
                        t.podCreated = Instant.parse(pods.get(0).getMetadata().getCreationTimestamp());
                        t.podName = pods.get(0).getMetadata().getName();
                    }
                }
                Map<String, Object> job = service.describe(e.getKey());
                t.samples.add(new Sample(Instant.now(), (String) job.get("status"), (String) job.get("status_message")));
            } catch (RuntimeException | AssertionError ignored) {
                // the next round tries again
            }
        }
    }

    private static Map<String, Object> awaitMessage(String id) {
        return service.await("a status_message on " + id, GRACE.plusSeconds(30), () -> service.describe(id),
                job -> job.get("status_message") != null);
    }

    private static String podScheduledMessage(String id) {
        Pod pod = cluster.pods(id).get(0);
        return pod.getStatus().getConditions().stream().filter(c -> "PodScheduled".equals(c.getType()))
                .map(c -> c.getMessage()).findFirst().orElseThrow();
    }

    private static void printTimeline(String id, Timeline t) {
        List<String> changes = new ArrayList<>();
        Sample previous = null;
        for (Sample s : t.samples) {
            if (previous == null || !s.status().equals(previous.status())
                    || !Objects.equals(s.message(), previous.message())) {
                changes.add(String.format("%+.1f s %s%s", Duration.between(t.podCreated, s.at()).toMillis() / 1e3,
                        s.status(), s.message() == null ? "" : " (" + E2EService.abbreviate(s.message(), 60) + ")"));
            }
            previous = s;
        }
        E2EService.log("timeline of %s relative to pod creation (%s): %s", id.substring(0, 8), t.podCreated,
                String.join(" | ", changes));
    }
}
