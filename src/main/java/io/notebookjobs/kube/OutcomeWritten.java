package io.notebookjobs.kube;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.jobs.JobOutcome;

/**
 * The leader has written a job's outcome onto its Job, for good: once per job across all
 * replicas (a later leader finds it finalized). What counts job ends observes this.
 *
 * @param job the Job as it was before the write (labels, record)
 */
public record OutcomeWritten(Job job, JobOutcome outcome, Cause cause) {

    /** Why the job ended. */
    public enum Cause {
        /** Its pods ended it: completed, failed, or stopped by its owner. */
        ENDED,
        /** The service failed it: not started within the scheduling timeout. */
        SCHEDULING_TIMEOUT,
        /** The service failed it: it can never start (an image that cannot be pulled, past its back-off). */
        CANNOT_START
    }
}
