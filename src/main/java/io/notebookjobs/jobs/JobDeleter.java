package io.notebookjobs.jobs;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.JobQuiescence;
import io.notebookjobs.kube.KueueJobs;
import io.notebookjobs.kube.JobWriter;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.kube.Leader;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.storage.ObjectStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Finishes the deletes that {@link JobService#delete} only marked, on the leader, step by step and
 * without ever waiting in a thread: while a pod of the job still runs, it is asked to stop (the
 * executor uploads what it has on SIGTERM) and the job is looked at again on the next change or
 * tick; once no pod runs and the Job controller agrees that none can start ({@link JobQuiescence}),
 * the job's files go, then its Job (the garbage collector takes the pods'
 * remains and the Secret). Every step may be repeated, so a failure, a restart or a new leader
 * just carries on from the mark.
 */
@ApplicationScoped
public class JobDeleter {

    private static final Logger LOG = Logger.getLogger(JobDeleter.class);

    private final JobCache cache;
    private final JobWriter writer;
    private final ObjectStore store;
    private final Leader leader;
    private final Event<JobDeleted> deleted;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "job-deleter");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Set<String> podsAsked = ConcurrentHashMap.newKeySet();

    public JobDeleter(JobCache cache, JobWriter writer, ObjectStore store, Leader leader, Event<JobDeleted> deleted) {
        this.deleted = deleted;
        this.cache = cache;
        this.writer = writer;
        this.store = store;
        this.leader = leader;
        // A pod that ends changes the cache: look at its job again at once, not at the next tick.
        cache.addListener(name -> {
            if (podsAsked.contains(name)) {
                request(name);
            }
        });
    }

    public static boolean isDeleteRequested(Job job) {
        return job.getMetadata().getAnnotations() != null
                && job.getMetadata().getAnnotations().containsKey(Labels.DELETE_REQUESTED);
    }

    /** Takes the next step for the job soon; repeated requests for a queued job collapse into one. */
    public void request(String jobName) {
        if (queued.add(jobName)) {
            worker.execute(() -> {
                queued.remove(jobName);
                step(jobName);
            });
        }
    }

    @Scheduled(every = "${notebook-jobs.kube.diagnosis-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        if (!cache.hasSynced() || !leader.isLeader()) {
            return;
        }
        for (Job job : cache.all()) {
            if (isDeleteRequested(job)) {
                request(job.getMetadata().getName());
            }
        }
    }

    void step(String jobName) {
        if (!cache.hasSynced() || !leader.isLeader()) {
            return; // the leader's tick picks it up
        }
        Job job = cache.byName(jobName).filter(JobDeleter::isDeleteRequested).orElse(null);
        if (job == null) {
            podsAsked.remove(jobName);
            return;
        }
        try {
            if (KueueJobs.isQueued(job)) {
                // Kueue suspends it (and the Job controller stops its pods) once its Workload is
                // inactive; deleting pods first would only make the Job controller replace them.
                writer.deactivateWorkloadIfEnded(job, cache.workloadOf(job));
                if (!JobQuiescence.noPodCanRun(job)) {
                    podsAsked.add(jobName);
                    return;
                }
            }
            List<Pod> running = cache.activePods(jobName);
            if (!running.isEmpty()) {
                // The shortest grace that is not a force delete: the pod stays until the kubelet
                // has stopped the executor, so its last upload is over before the files go.
                writer.deletePods(running, 1);
                podsAsked.add(jobName);
                return;
            }
            if (!JobQuiescence.noPodCanRun(job)) {
                // Suspended by the delete mark, but the Job controller has not yet said that no
                // pod is left (one it just created may not be in the cache yet): its next status
                // write brings the job back here.
                podsAsked.add(jobName);
                return;
            }
            store.deletePrefix(JobPaths.forJob(store.root(), JobCache.jobId(job)).jobPrefix());
            writer.deleteJob(jobName);
            podsAsked.remove(jobName);
            LOG.infof("Job %s: pods, files and Job deleted", JobCache.jobId(job));
            // Observers look at the remaining history (a definition's input versions): only once
            // the cache no longer holds this job. This thread may wait; no request does.
            cache.await(jobName, JobCache.isGone());
            cache.record(job).ifPresent(record -> deleted.fire(new JobDeleted(record)));
        } catch (RuntimeException e) {
            // S3 or the API server failed: the Job keeps its mark and the next tick tries again.
            LOG.warnf("Job %s: deleting it failed for now (%s); trying again", JobCache.jobId(job), e.getMessage());
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
