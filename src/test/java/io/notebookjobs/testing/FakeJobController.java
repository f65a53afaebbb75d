package io.notebookjobs.testing;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;

/**
 * A stand-in for the Job controller, the scheduler, the kubelet and the garbage collector on the
 * fabric8 mock server, which has none of them. Like the real Job controller it creates a Pod for
 * each (unsuspended) Job, named {@code <job>-<suffix>}, owned by the Job, labelled from the
 * template plus {@code batch.kubernetes.io/job-name}; it deletes active pods of a suspended Job,
 * retries failed pods up to {@code backoffLimit} and sets the Complete/Failed conditions. Like the
 * garbage collector it deletes a deleted Job's pods and owned Secrets. Tests move pods through
 * their lives with the methods below.
 */
public final class FakeJobController implements AutoCloseable {

    private final KubernetesClient client;
    private final String namespace;
    private final Watch watch;
    private final Watch cronJobWatch;
    private volatile String refusal;
    private final java.util.Set<String> suspendedJobs = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private FakeJobController(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
        this.watch = client.batch().v1().jobs().inNamespace(namespace).watch(new Watcher<Job>() {
            @Override
            public void eventReceived(Action action, Job job) {
                switch (action) {
                    case ADDED -> {
                        // A new watch replays existing Jobs as ADDED: only a Job without pods needs one.
                        if (suspended(job)) {
                            // Created suspended (as every Job with a Secret is): its pod starts on resume.
                            suspendedJobs.add(job.getMetadata().getName());
                            markSuspended(job);
                        } else if (pods(job.getMetadata().getName()).isEmpty()) {
                            createPod(job);
                        }
                    }
                    case MODIFIED -> onModified(job);
                    case DELETED -> collectGarbage(job);
                    default -> {
                    }
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
        // Like the garbage collector: a deleted CronJob takes its Jobs and its Secret with it.
        this.cronJobWatch = client.batch().v1().cronjobs().inNamespace(namespace).watch(new Watcher<CronJob>() {
            @Override
            public void eventReceived(Action action, CronJob cronJob) {
                if (action == Action.DELETED) {
                    collectOwnedBy(cronJob.getMetadata().getUid());
                }
            }

            @Override
            public void onClose(WatcherException cause) {
            }
        });
    }

    /**
     * The CronJob controller's work at a scheduled time, as kube-controller-manager 1.36 does it
     * ({@code syncCronJob}): first its {@code status.active} is brought up to date: a child (a Job
     * whose controller ownerReference is the CronJob) that finished (Complete or Failed condition)
     * leaves it, so does an entry whose Job is gone from the API; an entry whose Job exists but is
     * no longer its child stays, and a suspended child never finishes, so it stays too. Then,
     * unless the CronJob is suspended or {@code concurrencyPolicy: Forbid} finds an active Job
     * (Replace deletes them), it creates the Job {@code <cronjob>-<scheduled time in minutes>}
     * from the Job template, owned by the CronJob, and adds it to {@code status.active}. Returns
     * the Job's name, or null when no run was started.
     */
    public String fire(String cronJobName, Instant scheduledTime) {
        CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(cronJobName).get();
        List<ObjectReference> active = activeAfterSync(cronJob);
        if (Boolean.TRUE.equals(cronJob.getSpec().getSuspend())) {
            writeActive(cronJobName, active, null);
            return null;
        }
        if ("Forbid".equals(cronJob.getSpec().getConcurrencyPolicy()) && !active.isEmpty()) {
            writeActive(cronJobName, active, null);
            return null;
        }
        if ("Replace".equals(cronJob.getSpec().getConcurrencyPolicy())) {
            for (ObjectReference ref : active) {
                client.batch().v1().jobs().inNamespace(namespace).withName(ref.getName()).delete();
            }
            active.clear();
        }
        String name = cronJobName + "-" + scheduledTime.getEpochSecond() / 60;
        var template = cronJob.getSpec().getJobTemplate();
        Job job = new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .withLabels(template.getMetadata().getLabels())
                .withAnnotations(template.getMetadata().getAnnotations())
                .addToAnnotations("batch.kubernetes.io/cronjob-scheduled-timestamp", scheduledTime.toString())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("CronJob")
                        .withName(cronJobName).withUid(cronJob.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
        Job created = client.batch().v1().jobs().inNamespace(namespace).resource(job).create();
        active.add(new ObjectReferenceBuilder().withApiVersion("batch/v1").withKind("Job").withNamespace(namespace)
                .withName(name).withUid(created.getMetadata().getUid()).build());
        writeActive(cronJobName, active, scheduledTime);
        return name;
    }

    /** The CronJob's {@code status.active} as its controller leaves it before deciding on a new run. */
    private List<ObjectReference> activeAfterSync(CronJob cronJob) {
        List<ObjectReference> active = new ArrayList<>(cronJob.getStatus() == null || cronJob.getStatus().getActive() == null
                ? List.of() : cronJob.getStatus().getActive());
        for (Job child : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
            boolean isChild = child.getMetadata().getOwnerReferences() != null && child.getMetadata().getOwnerReferences()
                    .stream().anyMatch(o -> Boolean.TRUE.equals(o.getController())
                            && cronJob.getMetadata().getName().equals(o.getName()));
            if (isChild && finished(child)) {
                active.removeIf(r -> child.getMetadata().getUid().equals(r.getUid()));
            }
        }
        active.removeIf(r -> client.batch().v1().jobs().inNamespace(namespace).withName(r.getName()).get() == null);
        return active;
    }

    /** The CronJob's active runs as its controller last wrote them. */
    public List<String> activeRuns(String cronJobName) {
        CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(cronJobName).get();
        return cronJob.getStatus() == null || cronJob.getStatus().getActive() == null ? List.of()
                : cronJob.getStatus().getActive().stream().map(ObjectReference::getName).toList();
    }

    private void writeActive(String cronJobName, List<ObjectReference> active, Instant scheduled) {
        retryingConflicts(() -> client.batch().v1().cronjobs().inNamespace(namespace).withName(cronJobName).editStatus(c -> {
            if (c.getStatus() == null) {
                c.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.CronJobStatus());
            }
            c.getStatus().setActive(active);
            if (scheduled != null) {
                c.getStatus().setLastScheduleTime(scheduled.toString());
            }
            return c;
        }));
    }

    public static FakeJobController start(KubernetesClient client, String namespace) {
        return new FakeJobController(client, namespace);
    }

    @Override
    public void close() {
        watch.close();
        cronJobWatch.close();
    }

    /**
     * From now on pods cannot be created (a ResourceQuota or an admission webhook says no): like
     * the real controller, record a FailedCreate event on the Job instead.
     */
    public void refusePods(String reason) {
        this.refusal = reason;
    }

    // ---- what tests do to a job's current pod

    /** The scheduler cannot place the pod. */
    public void unschedulable(String jobName, String schedulerMessage) {
        updatePodStatus(jobName, status -> {
            status.setConditions(List.of(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
                    .withReason("Unschedulable").withMessage(schedulerMessage).withLastTransitionTime(now()).build()));
            return status;
        });
    }

    /** The pod is on a node; its container waits with the given reason (ErrImagePull, ...). */
    public void waiting(String jobName, String reason, String message) {
        bind(jobName);
        updatePodStatus(jobName, status -> {
            status.setConditions(List.of(scheduled()));
            status.setContainerStatuses(List.of(containerStatus(new ContainerStateBuilder().withNewWaiting()
                    .withReason(reason).withMessage(message).endWaiting().build())));
            return status;
        });
    }

    public void run(String jobName) {
        bind(jobName);
        updatePodStatus(jobName, status -> {
            status.setPhase("Running");
            status.setStartTime(now());
            status.setConditions(List.of(scheduled()));
            status.setContainerStatuses(List.of(containerStatus(new ContainerStateBuilder().withNewRunning()
                    .withStartedAt(now()).endRunning().build())));
            return status;
        });
    }

    public void succeed(String jobName, String terminationMessage) {
        terminate(jobName, "Succeeded", 0, "Completed", terminationMessage);
        editJobStatus(jobName, job -> {
            job.getStatus().setActive(0);
            job.getStatus().setSucceeded(1);
            job.getStatus().setCompletionTime(now());
            job.getStatus().setConditions(List.of(
                    new JobConditionBuilder().withType("SuccessCriteriaMet").withStatus("True").withLastTransitionTime(now()).build(),
                    new JobConditionBuilder().withType("Complete").withStatus("True").withLastTransitionTime(now()).build()));
            return job;
        });
    }

    /** The executor exits with a code and termination message; the Job retries or fails like the real controller. */
    public void fail(String jobName, int exitCode, String reason, String terminationMessage) {
        terminate(jobName, "Failed", exitCode, reason, terminationMessage);
        if (failJobRuleMatches(jobName, exitCode)) {
            // The Job's podFailurePolicy: a FailJob rule on the exit code ends the Job at once.
            editJobStatus(jobName, job -> {
                job.getStatus().setActive(0);
                job.getStatus().setFailed(Optional.ofNullable(job.getStatus().getFailed()).orElse(0) + 1);
                job.getStatus().setConditions(List.of(new JobConditionBuilder().withType("Failed").withStatus("True")
                        .withReason("PodFailurePolicy").withMessage("Container executor for pod exited with code "
                                + exitCode + " matching FailJob rule")
                        .withLastTransitionTime(now()).build()));
                return job;
            });
            return;
        }
        afterPodFailure(jobName, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
    }

    private boolean failJobRuleMatches(String jobName, int exitCode) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        if (job.getSpec().getPodFailurePolicy() == null) {
            return false;
        }
        return job.getSpec().getPodFailurePolicy().getRules().stream()
                .filter(r -> "FailJob".equals(r.getAction()) && r.getOnExitCodes() != null)
                .anyMatch(r -> "In".equals(r.getOnExitCodes().getOperator())
                        && r.getOnExitCodes().getValues().contains(exitCode));
    }

    /**
     * The node evicts the pod (memory or disk pressure). Like the kubelet since 1.26 it marks the
     * pod with the DisruptionTarget condition, which the Job's podFailurePolicy ignores: a new pod
     * is created and the failure does not count.
     */
    public void evict(String jobName, String message) {
        updatePodStatus(jobName, status -> {
            status.setPhase("Failed");
            status.setReason("Evicted");
            status.setMessage(message);
            List<io.fabric8.kubernetes.api.model.PodCondition> conditions = new java.util.ArrayList<>(
                    Optional.ofNullable(status.getConditions()).orElse(List.of()));
            conditions.add(new io.fabric8.kubernetes.api.model.PodConditionBuilder().withType("DisruptionTarget")
                    .withStatus("True").withReason("TerminationByKubelet").withMessage(message)
                    .withLastTransitionTime(now()).build());
            status.setConditions(conditions);
            return status;
        });
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        boolean ignored = job.getSpec().getPodFailurePolicy() != null && job.getSpec().getPodFailurePolicy().getRules()
                .stream().anyMatch(r -> "Ignore".equals(r.getAction()) && r.getOnPodConditions() != null
                        && r.getOnPodConditions().stream().anyMatch(c -> "DisruptionTarget".equals(c.getType())));
        if (ignored) {
            createPod(job);
        } else {
            afterPodFailure(jobName, "BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }
    }

    /** activeDeadlineSeconds passed: the controller kills the pod and fails the Job. */
    public void deadlineExceeded(String jobName) {
        for (Pod pod : pods(jobName)) {
            client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        }
        editJobStatus(jobName, job -> {
            job.getStatus().setActive(0);
            job.getStatus().setFailed(Optional.ofNullable(job.getStatus().getFailed()).orElse(0) + 1);
            job.getStatus().setConditions(List.of(new JobConditionBuilder().withType("Failed").withStatus("True")
                    .withReason("DeadlineExceeded").withMessage("Job was active longer than specified deadline")
                    .withLastTransitionTime(now()).build()));
            return job;
        });
    }

    /** A Warning event about an object, as kubelets, the scheduler and controllers record them. */
    public void warn(HasMetadata about, String reason, String message) {
        client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                .withNewMetadata().withName(about.getMetadata().getName() + "." + UUID.randomUUID()).endMetadata()
                .withType("Warning").withReason(reason).withMessage(message)
                .withNewInvolvedObject().withKind(about.getKind()).withName(about.getMetadata().getName())
                .withNamespace(namespace).withUid(about.getMetadata().getUid()).endInvolvedObject()
                .withLastTimestamp(now()).withCount(1)
                .build()).create();
    }

    public List<Pod> pods(String jobName) {
        return client.pods().inNamespace(namespace).withLabel("batch.kubernetes.io/job-name", jobName).list().getItems();
    }

    /** The job's active pod, waiting a little for the controller's watch to have created it. */
    public Pod currentPod(String jobName) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            Optional<Pod> pod = pods(jobName).stream()
                    .filter(p -> !"Succeeded".equals(p.getStatus().getPhase()) && !"Failed".equals(p.getStatus().getPhase()))
                    .findFirst();
            if (pod.isPresent()) {
                return pod.get();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("job " + jobName + " has no active pod");
            }
            sleep(20);
        }
    }

    /** Like a controller, retries a write that lost a race with another writer (409 Conflict). */
    static <T> T retryingConflicts(java.util.function.Supplier<T> write) {
        for (int attempt = 1;; attempt++) {
            try {
                return write.get();
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) {
                    throw e;
                }
                sleep(10);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private Job editJobStatus(String jobName, UnaryOperator<Job> change) {
        return retryingConflicts(() -> client.batch().v1().jobs().inNamespace(namespace).withName(jobName).editStatus(change));
    }

    // ---- the controller's own behaviour

    private void onModified(Job job) {
        List<Pod> active = pods(job.getMetadata().getName()).stream()
                .filter(p -> !"Succeeded".equals(p.getStatus().getPhase()) && !"Failed".equals(p.getStatus().getPhase()))
                .toList();
        String name = job.getMetadata().getName();
        if (suspended(job)) {
            suspendedJobs.add(name);
            for (Pod pod : active) {
                client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
            }
            markSuspended(job);
        } else if (suspendedJobs.remove(name) && active.isEmpty() && !finished(job)) {
            markResumed(job);
            // Resumed: the controller starts the pod again. (Only then: a test that removes a
            // pod on purpose must not see a late event bring it back.)
            createPod(job);
        }
    }

    /**
     * Like the real controller once it has seen {@code spec.suspend}: its pods are gone, it counts
     * none active and says so with the Suspended condition (a finished Job gets none).
     */
    private void markSuspended(Job event) {
        // Decided on the Job as it is now: the event's copy may predate a status write of ours.
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(event.getMetadata().getName()).get();
        if (job == null || !suspended(job) || finished(job) || (hasCondition(job, "Suspended", "True")
                && Optional.ofNullable(job.getStatus().getActive()).orElse(0) == 0)) {
            return;
        }
        editJobStatusIfPresent(job.getMetadata().getName(), j -> {
            if (j.getStatus() == null) {
                j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatus());
            }
            j.getStatus().setActive(0);
            j.getStatus().setConditions(withCondition(j, new JobConditionBuilder().withType("Suspended")
                    .withStatus("True").withReason("JobSuspended").withMessage("Job suspended")
                    .withLastTransitionTime(now()).build()));
            return j;
        });
    }

    private void markResumed(Job event) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(event.getMetadata().getName()).get();
        if (job == null || suspended(job) || !hasCondition(job, "Suspended", "True")) {
            return;
        }
        editJobStatusIfPresent(job.getMetadata().getName(), j -> {
            j.getStatus().setConditions(withCondition(j, new JobConditionBuilder().withType("Suspended")
                    .withStatus("False").withReason("JobResumed").withMessage("Job resumed")
                    .withLastTransitionTime(now()).build()));
            return j;
        });
    }

    /** A status write about a Job that may be gone already (deleted while its event was on the way). */
    private void editJobStatusIfPresent(String jobName, UnaryOperator<Job> change) {
        try {
            editJobStatus(jobName, change);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private static boolean hasCondition(Job job, String type, String status) {
        return job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions()
                .stream().anyMatch(c -> type.equals(c.getType()) && status.equals(c.getStatus()));
    }

    private static List<io.fabric8.kubernetes.api.model.batch.v1.JobCondition> withCondition(Job job,
            io.fabric8.kubernetes.api.model.batch.v1.JobCondition condition) {
        List<io.fabric8.kubernetes.api.model.batch.v1.JobCondition> conditions = new java.util.ArrayList<>(
                Optional.ofNullable(job.getStatus().getConditions()).orElse(List.of()));
        conditions.removeIf(c -> condition.getType().equals(c.getType()));
        conditions.add(condition);
        return conditions;
    }

    private void afterPodFailure(String jobName, String reason, String message) {
        Job job = client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get();
        int failed = Optional.ofNullable(job.getStatus()).map(s -> s.getFailed()).orElse(0) + 1;
        int backoffLimit = Optional.ofNullable(job.getSpec().getBackoffLimit()).orElse(6);
        editJobStatus(jobName, j -> {
            j.getStatus().setFailed(failed);
            j.getStatus().setActive(0);
            if (failed > backoffLimit) {
                j.getStatus().setConditions(List.of(new JobConditionBuilder().withType("Failed").withStatus("True")
                        .withReason(reason).withMessage(message).withLastTransitionTime(now()).build()));
            }
            return j;
        });
        if (failed <= backoffLimit) {
            createPod(client.batch().v1().jobs().inNamespace(namespace).withName(jobName).get());
        }
    }

    private void createPod(Job job) {
        String jobName = job.getMetadata().getName();
        if (refusal != null) {
            warn(job, "FailedCreate", "Error creating: pods \"" + jobName + "-x\" is forbidden: " + refusal);
            return;
        }
        Map<String, String> labels = new HashMap<>(Optional.ofNullable(job.getSpec().getTemplate().getMetadata().getLabels()).orElse(Map.of()));
        labels.put("batch.kubernetes.io/job-name", jobName);
        labels.put("job-name", jobName);
        labels.put("batch.kubernetes.io/controller-uid", job.getMetadata().getUid());
        Pod pod = new PodBuilder()
                .withNewMetadata()
                .withName(jobName + "-" + UUID.randomUUID().toString().substring(0, 5))
                .withNamespace(namespace)
                .withLabels(labels)
                .withAnnotations(job.getSpec().getTemplate().getMetadata().getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("batch/v1").withKind("Job")
                        .withName(jobName).withUid(job.getMetadata().getUid()).withController(true)
                        .withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(job.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
        client.pods().inNamespace(namespace).resource(pod).create();
        try {
            editJobStatus(jobName, j -> {
                if (j.getStatus() == null) {
                    j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatus());
                }
                j.getStatus().setActive(1);
                if (j.getStatus().getStartTime() == null) {
                    j.getStatus().setStartTime(now());
                }
                return j;
            });
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
            // The Job was deleted before its pod came (a test deleting at once): as the garbage
            // collector would, the pod goes too, and there is no status left to write.
            client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        }
    }

    private void collectGarbage(Job job) {
        String uid = job.getMetadata().getUid();
        for (Pod pod : pods(job.getMetadata().getName())) {
            client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).delete();
        }
        collectOwnedBy(uid);
    }

    private void collectOwnedBy(String uid) {
        for (Job owned : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
            if (ownedBy(owned, uid)) {
                client.batch().v1().jobs().inNamespace(namespace).withName(owned.getMetadata().getName()).delete();
            }
        }
        for (Secret secret : client.secrets().inNamespace(namespace).list().getItems()) {
            if (secret.getMetadata().getOwnerReferences() != null
                    && secret.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()))) {
                client.secrets().inNamespace(namespace).withName(secret.getMetadata().getName()).delete();
            }
        }
    }

    private static boolean ownedBy(HasMetadata object, String uid) {
        return object.getMetadata().getOwnerReferences() != null
                && object.getMetadata().getOwnerReferences().stream().anyMatch(o -> uid.equals(o.getUid()));
    }

    private void bind(String jobName) {
        Pod pod = currentPod(jobName);
        if (pod.getSpec().getNodeName() == null) {
            retryingConflicts(() -> client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                    .edit(p -> new PodBuilder(p).editSpec().withNodeName("node-1").endSpec().build()));
        }
    }

    private void terminate(String jobName, String phase, int exitCode, String reason, String message) {
        updatePodStatus(jobName, status -> {
            status.setPhase(phase);
            status.setContainerStatuses(List.of(containerStatus(new ContainerStateBuilder().withNewTerminated()
                    .withExitCode(exitCode).withReason(reason).withMessage(message)
                    .withStartedAt(startedAt(status)).withFinishedAt(now()).endTerminated().build())));
            return status;
        });
    }

    private static String startedAt(PodStatus status) {
        if (status.getContainerStatuses() != null && !status.getContainerStatuses().isEmpty()
                && status.getContainerStatuses().get(0).getState().getRunning() != null) {
            return status.getContainerStatuses().get(0).getState().getRunning().getStartedAt();
        }
        return now();
    }

    private void updatePodStatus(String jobName, UnaryOperator<PodStatus> change) {
        Pod pod = currentPod(jobName);
        retryingConflicts(() -> client.pods().inNamespace(namespace).withName(pod.getMetadata().getName()).editStatus(p -> {
            p.setStatus(change.apply(p.getStatus() == null ? new PodStatus() : p.getStatus()));
            return p;
        }));
    }

    private static ContainerStatus containerStatus(io.fabric8.kubernetes.api.model.ContainerState state) {
        return new ContainerStatusBuilder().withName("executor").withImage("executor").withState(state)
                .withReady(state.getRunning() != null).withRestartCount(0).build();
    }

    private static PodCondition scheduled() {
        return new PodConditionBuilder().withType("PodScheduled").withStatus("True").withLastTransitionTime(now()).build();
    }

    private static boolean suspended(Job job) {
        return Boolean.TRUE.equals(job.getSpec().getSuspend());
    }

    static boolean finished(Job job) {
        return job.getStatus() != null && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream().anyMatch(c -> ("Complete".equals(c.getType())
                        || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    public static List<String> names(List<? extends HasMetadata> objects) {
        List<String> names = new ArrayList<>();
        objects.forEach(o -> names.add(o.getMetadata().getName()));
        return names;
    }
}
