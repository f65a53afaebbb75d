package io.notebookjobs.testing;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/**
 * A stand-in for Kueue's batch/Job integration on the fabric8 mock server, written after Kueue
 * 0.17's jobframework reconciler and workload controller: for each Job with the queue-name label
 * it creates a Workload (labelled with the Job's UID, owned by the Job, active); an admitted
 * Workload's Job is resumed, and a suspended Job whose Workload is still admitted is resumed
 * again (Kueue's "Job admitted, unsuspending": it fights anyone else's suspend); a running Job
 * whose Workload is not admitted is suspended; a deactivated Workload is evicted (reason
 * Deactivated) and its Job suspended; a finished Job's Workload is Finished. Conditions carry
 * the reasons and messages Kueue writes. Tests decide admission with the methods below; the
 * same flows run against the real Kueue on the simulated cluster (KueueE2EIT).
 */
public final class FakeKueue implements AutoCloseable {

    public static final ResourceDefinitionContext WORKLOADS = new ResourceDefinitionContext.Builder()
            .withGroup("kueue.x-k8s.io").withVersion("v1beta2").withKind("Workload").withPlural("workloads")
            .withNamespaced(true).build();
    static final String QUEUE_NAME = "kueue.x-k8s.io/queue-name";
    static final String JOB_UID = "kueue.x-k8s.io/job-uid";

    private final KubernetesClient client;
    private final String namespace;
    private final Watch jobWatch;
    private final Watch workloadWatch;
    private volatile boolean holdWorkloads;
    /** How often a suspend by someone else was undone because the Workload stayed admitted. */
    public final AtomicInteger resumedAgainstSuspend = new AtomicInteger();

    private FakeKueue(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        this.jobWatch = client.batch().v1().jobs().inNamespace(namespace).watch(new Watcher<Job>() {
            @Override
            public void eventReceived(Action action, Job job) {
                if (job.getMetadata().getLabels() == null || !job.getMetadata().getLabels().containsKey(QUEUE_NAME)) {
                    return;
                }
                try {
                    onJob(action, job);
                } catch (KubernetesClientException e) {
                    if (e.getCode() != 404) {
                        throw e;
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        this.workloadWatch = client.genericKubernetesResources(WORKLOADS).inNamespace(namespace)
                .watch(new Watcher<GenericKubernetesResource>() {
                    @Override
                    public void eventReceived(Action action, GenericKubernetesResource workload) {
                        if (action == Action.MODIFIED) {
                            try {
                                onWorkloadModified(workload);
                            } catch (KubernetesClientException e) {
                                if (e.getCode() != 404) {
                                    throw e;
                                }
                            }
                        }
                    }

                    @Override
                    public void onClose(WatcherException cause) {
                    }
                });
    }

    public static FakeKueue start(KubernetesClient client, String namespace) {
        return new FakeKueue(client, namespace);
    }

    @Override
    public void close() {
        jobWatch.close();
        workloadWatch.close();
    }

    /** From now on Workloads are made only by {@link #createWorkload} (Kueue is slow or down). */
    public void holdWorkloads() {
        holdWorkloads = true;
    }

    // ---- what Kueue decides, as tests ask

    /** Kueue's scheduler found no room: QuotaReserved=False, reason Pending, with what is short. */
    public void pending(String jobName, String message) {
        editStatus(jobName, status -> setCondition(status, "QuotaReserved", "False", "Pending", message));
    }

    /** The Workload cannot be admitted as things are (no such LocalQueue, a stopped ClusterQueue). */
    public void inadmissible(String jobName, String message) {
        editStatus(jobName, status -> setCondition(status, "QuotaReserved", "False", "Inadmissible", message));
    }

    /** Quota reserved and every admission check ready: admitted, and the Job resumed. */
    public void admit(String jobName, String clusterQueue) {
        editStatus(jobName, status -> {
            status.put("admission", Map.of("clusterQueue", clusterQueue, "podSetAssignments", List.of(Map.of(
                    "name", "main", "count", 1, "flavors", Map.of("cpu", "default-flavor")))));
            setCondition(status, "QuotaReserved", "True", "QuotaReserved",
                    "Quota reserved in ClusterQueue " + clusterQueue);
            setCondition(status, "Admitted", "True", "Admitted",
                    "The workload is admitted");
            conditions(status).stream().filter(c -> "Evicted".equals(c.get("type")))
                    .forEach(c -> {
                        c.put("status", "False");
                        c.put("reason", "QuotaReserved");
                        c.put("message", "Previously: " + c.get("message"));
                    });
        });
        setSuspend(jobName, false);
    }

    /** A workload of higher priority took the quota: evicted and requeued, the Job suspended. */
    public void preempt(String jobName, String message) {
        editStatus(jobName, status -> {
            status.remove("admission");
            setCondition(status, "Evicted", "True", "Preempted", message);
            setCondition(status, "Preempted", "True", "InClusterQueue", message);
            setCondition(status, "Requeued", "True", "Preempted", message);
            setCondition(status, "QuotaReserved", "False", "Pending", message);
            setCondition(status, "Admitted", "False", "NoReservation", "The workload has no reservation");
        });
        setSuspend(jobName, true);
    }

    /** An administrator (or Kueue's requeuing limit) deactivates the Workload. */
    public void deactivate(String jobName) {
        FakeJobController.retryingConflicts(() -> {
            GenericKubernetesResource workload = workloadOf(jobName).orElseThrow();
            spec(workload).put("active", false);
            return client.genericKubernetesResources(WORKLOADS).inNamespace(namespace).resource(workload).update();
        });
    }

    public Optional<GenericKubernetesResource> workloadOf(String jobName) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        if (job == null) {
            return Optional.empty();
        }
        return client.genericKubernetesResources(WORKLOADS).inNamespace(namespace)
                .withLabel(JOB_UID, job.getMetadata().getUid()).list().getItems().stream().findFirst();
    }

    public boolean isActive(String jobName) {
        return workloadOf(jobName).map(w -> !Boolean.FALSE.equals(spec(w).get("active"))).orElseThrow();
    }

    /** Creates the Job's Workload now (after {@link #holdWorkloads}). */
    public void createWorkload(String jobName) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        createWorkload(job);
    }

    // ---- Kueue's own reactions

    private void onJob(Watcher.Action action, Job job) {
        String name = job.getMetadata().getName();
        if (action == Watcher.Action.ADDED) {
            if (!holdWorkloads && workloadOf(name).isEmpty()) {
                createWorkload(job);
            }
            return;
        }
        if (action != Watcher.Action.MODIFIED) {
            return;
        }
        Optional<GenericKubernetesResource> workload = workloadOf(name);
        if (workload.isEmpty()) {
            return;
        }
        if (FakeJobController.finished(job)) {
            if (!hasCondition(workload.get(), "Finished", "True")) {
                editStatus(name, status -> setCondition(status, "Finished", "True", "Succeeded", "Job finished"));
            }
            return;
        }
        boolean admitted = hasCondition(workload.get(), "Admitted", "True");
        boolean suspended = Boolean.TRUE.equals(job.getSpec().getSuspend());
        boolean active = !Boolean.FALSE.equals(spec(workload.get()).get("active"));
        if (suspended && admitted && active) {
            resumedAgainstSuspend.incrementAndGet(); // "Job admitted, unsuspending"
            setSuspend(name, false);
        } else if (!suspended && !admitted) {
            setSuspend(name, true); // "Running job is not admitted by a cluster queue, suspending"
        }
    }

    private void onWorkloadModified(GenericKubernetesResource workload) {
        boolean active = !Boolean.FALSE.equals(spec(workload).get("active"));
        if (active || hasCondition(workload, "Evicted", "True") || hasCondition(workload, "Finished", "True")) {
            return;
        }
        String jobName = workload.getMetadata().getOwnerReferences().get(0).getName();
        boolean admitted = hasCondition(workload, "Admitted", "True");
        editStatus(jobName, status -> {
            setCondition(status, "Evicted", "True", "Deactivated", "The workload is deactivated");
            setCondition(status, "Requeued", "False", "Deactivated", "The workload is deactivated");
            if (admitted) {
                status.remove("admission");
                setCondition(status, "QuotaReserved", "False", "Pending", "The workload is deactivated");
                setCondition(status, "Admitted", "False", "NoReservation", "The workload has no reservation");
            }
        });
        setSuspend(jobName, true);
    }

    private void createWorkload(Job job) {
        String name = job.getMetadata().getName();
        String suffix = job.getMetadata().getUid().substring(0, 5);
        GenericKubernetesResource workload = new GenericKubernetesResourceBuilder()
                .withApiVersion("kueue.x-k8s.io/v1beta2").withKind("Workload")
                .withNewMetadata().withName("job-" + name + "-" + suffix).withNamespace(namespace)
                .withLabels(Map.of(JOB_UID, job.getMetadata().getUid()))
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(name).withUid(job.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata()
                .build();
        workload.setAdditionalProperty("spec", new HashMap<>(Map.of("active", true,
                "queueName", job.getMetadata().getLabels().get(QUEUE_NAME),
                "podSets", List.of(Map.of("name", "main", "count", 1)))));
        client.genericKubernetesResources(WORKLOADS).inNamespace(namespace).resource(workload).create();
    }

    // ---- helpers

    private void editStatus(String jobName, java.util.function.Consumer<Map<String, Object>> change) {
        FakeJobController.retryingConflicts(() -> {
            GenericKubernetesResource workload = workloadOf(jobName).orElseThrow(
                    () -> new AssertionError("no Workload for Job " + jobName));
            Map<String, Object> status = status(workload);
            change.accept(status);
            return client.genericKubernetesResources(WORKLOADS).inNamespace(namespace).resource(workload).update();
        });
    }

    private void setSuspend(String jobName, boolean suspend) {
        FakeJobController.retryingConflicts(() -> client.batch().v1().jobs().inNamespace(namespace).withName(jobName)
                .edit(j -> {
                    j.getSpec().setSuspend(suspend);
                    return j;
                }));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> spec(GenericKubernetesResource workload) {
        Object spec = workload.getAdditionalProperties().get("spec");
        if (!(spec instanceof Map)) {
            spec = new HashMap<String, Object>();
            workload.setAdditionalProperty("spec", spec);
        }
        return (Map<String, Object>) spec;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(GenericKubernetesResource workload) {
        Object status = workload.getAdditionalProperties().get("status");
        if (!(status instanceof Map)) {
            status = new HashMap<String, Object>();
            workload.setAdditionalProperty("status", status);
        }
        return (Map<String, Object>) status;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> conditions(Map<String, Object> status) {
        Object conditions = status.get("conditions");
        if (!(conditions instanceof List)) {
            conditions = new ArrayList<Map<String, Object>>();
            status.put("conditions", conditions);
        }
        return (List<Map<String, Object>>) conditions;
    }

    private static void setCondition(Map<String, Object> status, String type, String value, String reason,
            String message) {
        List<Map<String, Object>> conditions = conditions(status);
        conditions.removeIf(c -> type.equals(c.get("type")));
        Map<String, Object> condition = new HashMap<>();
        condition.put("type", type);
        condition.put("status", value);
        condition.put("reason", reason);
        condition.put("message", message);
        condition.put("lastTransitionTime", FakeJobController.now());
        conditions.add(condition);
    }

    private static boolean hasCondition(GenericKubernetesResource workload, String type, String value) {
        return conditions(status(workload)).stream()
                .anyMatch(c -> type.equals(c.get("type")) && value.equals(c.get("status")));
    }
}
