package io.notebookjobs.kube;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.notebookjobs.jobs.JobOutcome;
import io.notebookjobs.jobs.JobStatus;

/**
 * The one place that turns a Kubernetes Job, its Pods and Events into the job's status,
 * message and times. Pure: the same observation and instant give the same state.
 */
public final class JobStateMapper {

    /**
     * How long a job may wait for its pod before the user is told why: normal scheduling, image
     * pulls and container start take well under this. A product constant, not a setting, so
     * every deployment explains problems at the same moment.
     */
    public static final Duration GRACE_PERIOD = Duration.ofSeconds(30);
    /**
     * An image that cannot be pulled fails the job only once the error has outlasted the grace
     * period and the kubelet's first retries (10, 20, 40, 80 s apart): a registry hiccup or a
     * rate limit heals meanwhile, a wrong name or missing credentials do not.
     */
    public static final Duration IMAGE_ERROR_TIMEOUT = Duration.ofMinutes(3);

    private final Duration schedulingTimeout;

    /** How a failure at the scheduling timeout begins (and is told from other failures the service decides). */
    static final String SCHEDULING_TIMEOUT_MESSAGE = "Not started within the scheduling timeout of ";

    public JobStateMapper(Duration schedulingTimeout) {
        this.schedulingTimeout = schedulingTimeout;
    }

    /**
     * Like {@link #map(Observed, Instant)}, but gathers the Job's pods and events only when its
     * outcome is not written yet: most of the history is finished jobs, read on every list.
     */
    public JobState map(Job job, Function<Job, Observed> observe, Instant now) {
        return recorded(job).orElseGet(() -> map(observe.apply(job), now));
    }

    public JobState map(Observed observed, Instant now) {
        Job job = observed.job();
        Optional<JobState> recorded = recorded(job);
        if (recorded.isPresent()) {
            return recorded.get();
        }
        List<Pod> pods = observed.pods();
        Instant start = firstRunStart(pods);
        Optional<JobCondition> complete = trueCondition(job, "Complete");
        if (complete.isPresent()) {
            Instant end = Times.parse(job.getStatus().getCompletionTime())
                    .or(() -> Times.parse(complete.get().getLastTransitionTime())).orElse(now);
            return JobState.of(JobStatus.COMPLETED, null, start, end);
        }
        Optional<JobCondition> failed = trueCondition(job, "Failed");
        if (failed.isPresent()) {
            Instant end = Times.parse(failed.get().getLastTransitionTime()).orElse(now);
            return JobState.of(JobStatus.FAILED, FailureExplanation.of(job, failed.get(), pods), start, end);
        }
        if (stopRequested(job)) {
            boolean podsLeft = pods.stream().anyMatch(p -> !PodFacts.isFinished(p));
            return podsLeft ? JobState.of(JobStatus.STOPPING, null, start, null)
                    : JobState.of(JobStatus.STOPPED, "Stopped by the user.", start, now);
        }
        Optional<String> queue = KueueJobs.queueName(job);
        if (queue.isPresent() && Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            // Kueue has not admitted it (or took the admission back): its Workload says why, at
            // once. No scheduling timeout runs while it waits; it starts counting on admission.
            KueueWait.Verdict verdict = KueueWait.of(queue.get(), observed.workload());
            return verdict.givenUp() ? JobState.of(JobStatus.FAILED, verdict.message(), start, now)
                    : JobState.of(JobStatus.QUEUED, verdict.message(), start, null);
        }
        if (Boolean.TRUE.equals(job.getSpec().getSuspend())) {
            // Suspended by someone else (a queueing system such as Kueue creates Jobs suspended):
            // the job is waiting, not stopped, and no timeout applies.
            boolean explain = waited(created(job), now).compareTo(GRACE_PERIOD) >= 0;
            return JobState.of(JobStatus.QUEUED, explain
                    ? "Waiting: the Kubernetes Job is suspended (for example by a queueing system) and starts when it is resumed."
                    : null, null, null);
        }
        Optional<Pod> current = PodFacts.current(pods);
        if (current.isPresent() && PodFacts.isRunning(current.get())) {
            return JobState.of(JobStatus.IN_PROGRESS, null, start, null);
        }
        if (current.isPresent() && PodFacts.isFinished(current.get())) {
            return afterFinishedPod(job, current.get(), start);
        }
        return pending(observed, current, start, now);
    }

    /** The outcome the service wrote on the Job once it ended: final, whatever pods and events say. */
    private static Optional<JobState> recorded(Job job) {
        return AnnotationJson.read(job, Labels.OUTCOME, JobOutcome.class).filter(o -> o.status() != null)
                .map(JobState::from);
    }

    /** The pod ended but the Job controller has not concluded yet: a retry is coming, or a condition. */
    private JobState afterFinishedPod(Job job, Pod pod, Instant start) {
        String retry = retryMessage(job, List.of(pod));
        return retry != null ? JobState.of(JobStatus.QUEUED, retry, start, null)
                : JobState.of(JobStatus.IN_PROGRESS, null, start, null);
    }

    /** While a failed attempt is being retried, says so and why the attempt failed. */
    private static String retryMessage(Job job, List<Pod> pods) {
        Optional<Pod> lastFailed = PodFacts.lastFailed(pods);
        if (lastFailed.isPresent() && PodFacts.disrupted(lastFailed.get())) {
            // The Job's podFailurePolicy ignores disruptions: a new pod comes, no retry used up.
            return "Restarting: " + FailureExplanation.ofPod(lastFailed.get())
                    + " This does not count as a failed attempt.";
        }
        int failures = job.getStatus() == null || job.getStatus().getFailed() == null ? 0 : job.getStatus().getFailed();
        int backoffLimit = job.getSpec().getBackoffLimit() == null ? 6 : job.getSpec().getBackoffLimit();
        if (failures == 0 || failures > backoffLimit) {
            return null;
        }
        return PodFacts.lastFailed(pods)
                .map(p -> "Retrying: attempt " + failures + " of " + (backoffLimit + 1) + " failed. "
                        + FailureExplanation.ofPod(p))
                .orElse(null);
    }

    private JobState pending(Observed observed, Optional<Pod> current, Instant start, Instant now) {
        Job job = observed.job();
        Instant since = current.map(PodFacts::created).orElseGet(() -> created(job));
        Duration waited = waited(since, now);
        if (waited.compareTo(GRACE_PERIOD) < 0) {
            return JobState.of(JobStatus.QUEUED, retryMessage(job, observed.pods()), start, null);
        }
        PendingDiagnosis.Problem problem = current
                .map(pod -> PendingDiagnosis.ofPod(pod, observed.eventsAbout("Pod", pod.getMetadata().getName())))
                .orElseGet(() -> PendingDiagnosis.ofJobWithoutPod(job,
                        observed.eventsAbout("Job", job.getMetadata().getName())));
        if (problem.kind() == PendingDiagnosis.Kind.IMAGE && waited.compareTo(imageErrorTimeout()) >= 0) {
            return JobState.failedAndStop(problem.message() + " The job was stopped.", problem.message(), start, now);
        }
        if (problem.kind() == PendingDiagnosis.Kind.BLOCKED && waited.compareTo(schedulingTimeout) >= 0) {
            return JobState.failedAndStop(SCHEDULING_TIMEOUT_MESSAGE
                    + schedulingTimeout.toSeconds() + " s, so the job was stopped. " + problem.message(),
                    problem.message(), start, now);
        }
        return JobState.of(JobStatus.QUEUED, problem.message(), start, null);
    }

    /** Never later than the scheduling timeout, which bounds every wait. */
    private Duration imageErrorTimeout() {
        return IMAGE_ERROR_TIMEOUT.compareTo(schedulingTimeout) < 0 ? IMAGE_ERROR_TIMEOUT : schedulingTimeout;
    }

    /** The service has written the job's outcome: its state no longer changes. */
    public static boolean isFinalized(Job job) {
        return job.getMetadata().getAnnotations() != null
                && job.getMetadata().getAnnotations().containsKey(Labels.OUTCOME);
    }

    static boolean stopRequested(Job job) {
        return job.getMetadata().getAnnotations() != null
                && job.getMetadata().getAnnotations().containsKey(Labels.STOP_REQUESTED);
    }

    private static Instant firstRunStart(List<Pod> pods) {
        return pods.stream().map(PodFacts::startedRunning).flatMap(Optional::stream).min(Instant::compareTo)
                .orElse(null);
    }

    private static Optional<JobCondition> trueCondition(Job job, String type) {
        if (job.getStatus() == null || job.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return job.getStatus().getConditions().stream()
                .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
                .findFirst();
    }

    /**
     * When the job last began waiting for a pod: its creation, or the moment it was resumed after
     * a suspension by someone else.
     */
    private static Instant created(Job job) {
        Instant created = Times.parse(job.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH);
        Optional<Instant> resumed = job.getStatus() == null || job.getStatus().getConditions() == null
                ? Optional.empty()
                : job.getStatus().getConditions().stream()
                        .filter(c -> "Suspended".equals(c.getType()) && "False".equals(c.getStatus()))
                        .map(c -> Times.parse(c.getLastTransitionTime()))
                        .flatMap(Optional::stream)
                        .findFirst();
        return resumed.filter(r -> r.isAfter(created)).orElse(created);
    }

    private static Duration waited(Instant since, Instant now) {
        return Duration.between(since, now);
    }
}
