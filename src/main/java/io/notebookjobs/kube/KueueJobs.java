package io.notebookjobs.kube;

import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Jobs that Kueue admits: they carry the queue-name label and are created suspended, and Kueue
 * resumes them once their Workload is admitted. Kueue suspends an admitted Job again only when
 * its Workload is evicted or deactivated, and resumes a Job that anyone else suspends while its
 * Workload stays admitted: such a Job is stopped by deactivating its Workload, never by
 * {@code spec.suspend}.
 */
public final class KueueJobs {

    private KueueJobs() {
    }

    public static boolean isQueued(HasMetadata object) {
        return object instanceof Job && queueName((Job) object).isPresent();
    }

    /**
     * Whether the Job's Workload has to be deactivated now: the service is done with the job or
     * ending it (a stop or delete mark, an outcome written), Kubernetes has not finished it, and
     * its Workload, if Kueue has made it yet, is still active. Kueue would otherwise admit it (or
     * keep it admitted) and resume it. Until the Workload exists there is nothing to deactivate;
     * the Job stays suspended meanwhile, and the next look deactivates it once it appears.
     */
    public static boolean mustDeactivate(Job job, Optional<KueueWorkload> workload) {
        if (!isQueued(job) || workload.isEmpty() || !workload.get().active() || workload.get().isTrue("Finished")) {
            return false;
        }
        Map<String, String> annotations = job.getMetadata().getAnnotations();
        boolean ending = annotations != null && (annotations.containsKey(Labels.STOP_REQUESTED)
                || annotations.containsKey(Labels.DELETE_REQUESTED) || annotations.containsKey(Labels.OUTCOME));
        return ending && !JobQuiescence.finished(job);
    }

    public static Optional<String> queueName(Job job) {
        Map<String, String> labels = job.getMetadata().getLabels();
        return Optional.ofNullable(labels == null ? null : labels.get(Labels.KUEUE_QUEUE_NAME));
    }
}
