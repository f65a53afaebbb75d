package io.notebookjobs.kube;

import java.util.Optional;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;

/**
 * Whether the Job controller itself says that no pod of a Job runs or can start any more: the Job
 * has finished, or the controller has seen its suspension (condition Suspended=True), and it
 * counts no active and no terminating pod. The service's pod cache alone cannot say so: a pod the
 * controller has just created may not have reached the cache yet, and if its files were removed
 * then, its executor would still upload a log into the deleted prefix. The controller writes its
 * counts only once it has seen every pod it created (its expectations), so its word is final.
 */
public final class JobQuiescence {

    private JobQuiescence() {
    }

    public static boolean noPodCanRun(Job job) {
        JobStatus status = job.getStatus();
        if (status == null) {
            return false; // the controller has not looked at it yet
        }
        boolean ended = finished(job) || isTrue(status, "Suspended");
        return ended && count(status.getActive()) == 0 && count(status.getTerminating()) == 0;
    }

    /** The Job controller has concluded: condition Complete or Failed. */
    public static boolean finished(Job job) {
        JobStatus status = job.getStatus();
        return status != null && (isTrue(status, "Complete") || isTrue(status, "Failed"));
    }

    private static boolean isTrue(JobStatus status, String type) {
        return Optional.ofNullable(status.getConditions()).stream().flatMap(java.util.List::stream)
                .filter(c -> type.equals(c.getType())).map(JobCondition::getStatus).anyMatch("True"::equals);
    }

    private static int count(Integer value) {
        return value == null ? 0 : value;
    }
}
