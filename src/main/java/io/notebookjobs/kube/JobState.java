package io.notebookjobs.kube;

import java.time.Instant;

import io.notebookjobs.jobs.JobOutcome;
import io.notebookjobs.jobs.JobStatus;

/**
 * A job's status as derived from its Kubernetes Job, Pods and Events at one instant.
 *
 * @param message shown as {@code status_message}; null when there is nothing to explain
 * @param mustStop the job failed while its Kubernetes Job could still start a pod: the service
 *        has to suspend it so that it never runs later
 * @param finalized the state comes from the outcome the service wrote back, so nothing changes it
 * @param waitingMessage for a state that must stop: what the job is still waiting for until the
 *        service has stopped it
 */
public record JobState(JobStatus status, String message, Instant startTime, Instant endTime, boolean mustStop,
        boolean finalized, String waitingMessage) {

    static JobState of(JobStatus status, String message, Instant start, Instant end) {
        return new JobState(status, message, start, end, false, false, null);
    }

    static JobState failedAndStop(String message, String waitingMessage, Instant start, Instant end) {
        return new JobState(JobStatus.FAILED, message, start, end, true, false, waitingMessage);
    }

    static JobState from(JobOutcome outcome) {
        return new JobState(outcome.status(), outcome.statusMessage(), instant(outcome.startTime()),
                instant(outcome.endTime()), false, true, null);
    }

    /**
     * What users are told: a failure the service still has to carry out (suspend the Job, so it
     * never starts later) is reported once it is done, until then the job is still waiting.
     */
    public JobState reported() {
        return mustStop ? of(JobStatus.QUEUED, waitingMessage, startTime, null) : this;
    }

    public JobOutcome toOutcome() {
        return new JobOutcome(status, message, millis(startTime), millis(endTime));
    }

    private static Instant instant(Long millis) {
        return millis == null ? null : Instant.ofEpochMilli(millis);
    }

    private static Long millis(Instant instant) {
        return instant == null ? null : instant.toEpochMilli();
    }
}
