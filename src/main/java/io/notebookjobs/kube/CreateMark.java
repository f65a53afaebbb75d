package io.notebookjobs.kube;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;

/**
 * The mark ({@link Labels#CREATING}) of a Job or CronJob whose create is under way: it was
 * created suspended so that nothing runs before its env Secret exists, and the same write that
 * resumes it removes the mark. Such an object is not yet the user's: views hide it, the
 * reconciler leaves it alone, and one still marked after a while was left by a create that died
 * half-way ({@link AbandonedCreates}).
 */
public final class CreateMark {

    private CreateMark() {
    }

    /** A copy of the Job or CronJob, suspended and marked with the time the create began. */
    @SuppressWarnings("unchecked")
    static <T extends HasMetadata> T suspendedWhileCreating(T owner, Instant now) {
        String when = Long.toString(now.toEpochMilli());
        if (owner instanceof Job job) {
            return (T) new JobBuilder(job).editMetadata().addToAnnotations(Labels.CREATING, when).endMetadata()
                    .editSpec().withSuspend(true).endSpec().build();
        }
        if (owner instanceof CronJob cronJob) {
            return (T) new CronJobBuilder(cronJob).editMetadata().addToAnnotations(Labels.CREATING, when).endMetadata()
                    .editSpec().withSuspend(true).endSpec().build();
        }
        throw new IllegalArgumentException("Only Jobs and CronJobs are created with a Secret: " + owner.getKind());
    }

    /** The suspend the owner is meant to have once created (a paused definition stays suspended). */
    static Boolean wantedSuspend(HasMetadata owner) {
        if (owner instanceof Job job) {
            return job.getSpec().getSuspend();
        }
        return ((CronJob) owner).getSpec().getSuspend();
    }

    /** An object of the same kind and name, to address a merge patch. */
    @SuppressWarnings("unchecked")
    static <T extends HasMetadata> T stubOf(T created) {
        String name = created.getMetadata().getName();
        if (created instanceof Job) {
            return (T) new JobBuilder().withNewMetadata().withName(name).endMetadata().build();
        }
        return (T) new CronJobBuilder().withNewMetadata().withName(name).endMetadata().build();
    }

    public static boolean isCreating(HasMetadata object) {
        Map<String, String> annotations = object.getMetadata().getAnnotations();
        return annotations != null && annotations.containsKey(Labels.CREATING);
    }

    /** Still marked {@code after} the create began: the create that made it is gone. */
    public static boolean isAbandoned(HasMetadata object, Instant now, Duration after) {
        if (!isCreating(object)) {
            return false;
        }
        String when = object.getMetadata().getAnnotations().get(Labels.CREATING);
        try {
            return Instant.ofEpochMilli(Long.parseLong(when)).plus(after).isBefore(now);
        } catch (NumberFormatException e) {
            return true; // not written by us; nobody is finishing it
        }
    }
}
