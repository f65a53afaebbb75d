package io.notebookjobs.kube;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.notebookjobs.config.NotebookJobsConfig;

/**
 * Lets a definition's next run start on time after the service stopped one of its runs.
 *
 * <p>The service stops a Job by suspending it (a user's stop, the scheduling timeout, an image
 * error), and a suspended Job never gets a Complete or Failed condition: its CronJob keeps it in
 * {@code status.active} for good, so {@code concurrencyPolicy: Forbid} skips every later run (and
 * {@code Replace} would delete the stopped run with its record). So a stopped run is released from
 * its CronJob in two steps:
 * <ol>
 * <li>the write that suspends it also drops its controller ownerReference to the CronJob
 * ({@link #ownerReferencesWithoutCronJob}): the controller no longer counts it as its child and
 * never touches it again (no "UnexpectedJob" events, no history-limit deletes, no Replace);
 * its labels and record still tie it to its definition, which is how the service finds a
 * definition's runs (listing, delete, retention), never by ownerReference;</li>
 * <li>its entry is removed from the CronJob's {@code status.active} ({@link #release}). The
 * controller itself drops an entry only when the Job is a finished child or is gone from the
 * API: an existing Job that is no longer its child stays listed (kube-controller-manager 1.36,
 * {@code syncCronJob}: "the job is missing in the lister but found in api-server").</li>
 * </ol>
 * Step 2 is a separate write; should it not happen (the service stopped in between, a conflict
 * storm), the reconciler's timer repairs it ({@link #repair}), also for runs stopped before this
 * existed.
 */
@ApplicationScoped
public class ScheduledRunRelease {

    private static final Logger LOG = Logger.getLogger(ScheduledRunRelease.class);
    private static final int ATTEMPTS = 5;

    private final KubernetesClient client;
    private final String namespace;

    public ScheduledRunRelease(KubernetesClient client, NotebookJobsConfig config) {
        this.client = client;
        this.namespace = config.kube().namespace();
    }

    /** The Job's controller reference to a CronJob, if a CronJob made it and still owns it. */
    public static Optional<OwnerReference> cronJobController(Job job) {
        List<OwnerReference> owners = job.getMetadata().getOwnerReferences();
        return owners == null ? Optional.empty()
                : owners.stream().filter(o -> "CronJob".equals(o.getKind()) && Boolean.TRUE.equals(o.getController()))
                        .findFirst();
    }

    /**
     * The Job's ownerReferences without its CronJob's controller reference, for the suspending
     * write; empty when it has none (a one-off job: nothing to change). A present but empty list
     * means "remove the field".
     */
    public static Optional<List<OwnerReference>> ownerReferencesWithoutCronJob(Job job) {
        Optional<OwnerReference> cronJob = cronJobController(job);
        if (cronJob.isEmpty()) {
            return Optional.empty();
        }
        List<OwnerReference> rest = new ArrayList<>(job.getMetadata().getOwnerReferences());
        rest.remove(cronJob.get());
        return Optional.of(rest);
    }

    /**
     * Removes the Job from its CronJob's {@code status.active}, guarded by the CronJob's resource
     * version (the CronJob controller writes that status too: a conflict is retried on a fresh
     * read, never overwritten). Returns whether an entry was removed. Failures are logged; the
     * timer's {@link #repair} tries again.
     */
    public boolean release(String cronJobName, String jobUid) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                CronJob cronJob = client.batch().v1().cronjobs().inNamespace(namespace).withName(cronJobName).get();
                if (cronJob == null || cronJob.getStatus() == null || cronJob.getStatus().getActive() == null
                        || cronJob.getStatus().getActive().stream().noneMatch(r -> jobUid.equals(r.getUid()))) {
                    return false;
                }
                List<ObjectReference> active = new ArrayList<>(cronJob.getStatus().getActive());
                active.removeIf(r -> jobUid.equals(r.getUid()));
                cronJob.getStatus().setActive(active);
                client.batch().v1().cronjobs().inNamespace(namespace).resource(cronJob).updateStatus();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == ATTEMPTS) {
                    LOG.warnf("CronJob %s: cannot release stopped run %s yet (%s); retried on the next tick",
                            cronJobName, jobUid, e.getMessage());
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * Releases every run that the CronJob still counts as active although the service stopped it
     * (suspended, with the stop request or the outcome written): the crash-safe half of the
     * release, and the repair of definitions blocked before it existed.
     */
    public void repair(CronJob cronJob, JobCache cache, JobWriter writer) {
        if (cronJob.getStatus() == null || cronJob.getStatus().getActive() == null) {
            return;
        }
        for (ObjectReference entry : cronJob.getStatus().getActive()) {
            Optional<Job> run = cache.byName(entry.getName())
                    .filter(j -> entry.getUid() == null || entry.getUid().equals(j.getMetadata().getUid()));
            if (run.isEmpty() || !stoppedByTheService(run.get())) {
                continue;
            }
            Job job = run.get();
            if (cronJobController(job).isPresent()) {
                writer.dropCronJobOwner(job);
            }
            if (release(cronJob.getMetadata().getName(), job.getMetadata().getUid())) {
                LOG.infof("CronJob %s: released stopped run %s, so the next run can start",
                        cronJob.getMetadata().getName(), job.getMetadata().getName());
            }
        }
    }

    /** Suspended by the service (a stop or a decided failure), not waiting in a queue such as Kueue. */
    static boolean stoppedByTheService(Job job) {
        return Boolean.TRUE.equals(job.getSpec().getSuspend())
                && (JobStateMapper.stopRequested(job) || JobStateMapper.isFinalized(job));
    }
}
