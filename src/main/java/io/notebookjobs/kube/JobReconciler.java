package io.notebookjobs.kube;

import java.time.Clock;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.api.ApiException;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.jobs.JobOutcome;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * Writes each job's end back to its Kubernetes Job and enforces the scheduling rules. Driven by
 * two things: changes the informers report (a pod finished) and a timer, because a job stuck
 * waiting for a node produces no event at all, yet must be explained after the grace period and
 * failed at the scheduling timeout.
 */
@ApplicationScoped
public class JobReconciler {

    private static final Logger LOG = Logger.getLogger(JobReconciler.class);

    private final JobCache cache;
    private final JobWriter writer;
    private final JobStateMapper mapper;
    private final Clock clock;
    private final Leader leader;
    private final ScheduledRunRelease release;
    private final Event<OutcomeWritten> outcomes;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "job-reconciler");
        t.setDaemon(true);
        return t;
    });
    private final Set<String> queued = ConcurrentHashMap.newKeySet();

    public JobReconciler(JobCache cache, JobWriter writer, NotebookJobsConfig config, Clock clock, Leader leader,
            ScheduledRunRelease release, Event<OutcomeWritten> outcomes) {
        this.cache = cache;
        this.outcomes = outcomes;
        this.leader = leader;
        this.writer = writer;
        this.mapper = new JobStateMapper(config.kube().schedulingTimeout());
        this.clock = clock;
        this.release = release;
    }

    /** Listens before the informers start, so no change between their first list and now is missed. */
    void onStart(@Observes @Priority(100) StartupEvent event) {
        cache.addListener(this::enqueue);
        cache.start();
        // A new leader looks at every job at once: outcomes that were due while nobody led.
        leader.start(this::tick);
    }

    void onStop(@Observes ShutdownEvent event) {
        worker.shutdownNow();
        try {
            worker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public JobStateMapper mapper() {
        return mapper;
    }

    @Scheduled(every = "${notebook-jobs.kube.diagnosis-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        if (!cache.hasSynced() || !leader.isLeader()) {
            return;
        }
        for (Job job : cache.all()) {
            if (!JobStateMapper.isFinalized(job) || KueueJobs.mustDeactivate(job, cache.workloadOf(job))) {
                enqueue(job.getMetadata().getName());
            }
        }
        worker.execute(this::releaseStoppedRuns);
    }

    /** On the worker thread, like every write of the reconciler. */
    private void releaseStoppedRuns() {
        try {
            for (CronJob cronJob : cache.definitions()) {
                release.repair(cronJob, cache, writer);
            }
        } catch (RuntimeException e) {
            LOG.debugf("Stopped scheduled runs not released yet: %s", e.getMessage());
        }
    }

    /** Reconciles one job on the worker thread; repeated requests for a queued job collapse into one. */
    public void enqueue(String jobName) {
        if (queued.add(jobName)) {
            worker.execute(() -> {
                queued.remove(jobName);
                reconcile(jobName);
            });
        }
    }

    synchronized void reconcile(String jobName) {
        if (!cache.hasSynced() || !leader.isLeader()) {
            // An outcome is written for good: never from a half-filled cache (a Job whose Pods
            // are not listed yet would lose its start time and failure message), and by one
            // replica only. The timer retries; a new leader looks at every job.
            return;
        }
        try {
            Optional<Job> found = cache.byName(jobName);
            found.ifPresent(this::deactivateIfEnded);
            if (found.isEmpty() || JobStateMapper.isFinalized(found.get()) || CreateMark.isCreating(found.get())) {
                return; // a Job still being created is not the user's yet (CreateMark)
            }
            Job job = found.get();
            JobState state = mapper.map(cache.observe(job), clock.instant());
            if (!state.status().isTerminal()) {
                return;
            }
            if (state.mustStop()) {
                // Failing a job that seems not to have started destroys work if it did: decide
                // again on what the API server has now.
                Optional<Observed> fresh = cache.observeFresh(job);
                if (fresh.isEmpty()) {
                    return;
                }
                state = mapper.map(fresh.get(), clock.instant());
                if (!state.status().isTerminal() || JobStateMapper.isFinalized(fresh.get().job())) {
                    return;
                }
            }
            JobOutcome outcome = state.toOutcome();
            // One write: a Job suspended without its outcome would read as queued by someone else.
            // Suspended, so that deleting the pod does not make the Job controller create another.
            Job written = state.mustStop() ? writer.writeOutcomeAndSuspend(job, outcome)
                    : writer.writeOutcome(jobName, outcome);
            if (state.mustStop()) {
                // A suspended run would hold its definition's next run back (ScheduledRunRelease).
                ScheduledRunRelease.cronJobController(job)
                        .ifPresent(cronJob -> release.release(cronJob.getName(), job.getMetadata().getUid()));
                if (KueueJobs.isQueued(written)) {
                    deactivateIfEnded(written); // Kueue suspends it, the Job controller stops the pods
                } else {
                    // Not a force delete (0): the kubelet must really stop whatever started meanwhile.
                    writer.deletePods(cache.observe(job).pods(), 1);
                }
            }
            // The values were for its pods, and no pod starts any more: they need not live as
            // long as the history. (Runs of a definition use the definition's Secret, not this one.)
            writer.deleteSecret(Labels.envSecretName(jobName));
            LOG.infof("Job %s %s%s", JobCache.jobId(job), outcome.status(),
                    outcome.statusMessage() == null ? "" : ": " + outcome.statusMessage());
            announce(job, outcome, state);
            cache.await(jobName, JobCache.hasVersion(written.getMetadata().getResourceVersion()));
        } catch (ApiException e) {
            LOG.debugf("Job %s not reconciled yet: %s", jobName, e.getMessage());
        } catch (RuntimeException e) {
            // The next change or tick tries again; a failed write loses nothing.
            LOG.warnf("Job %s: cannot record its state yet (%s)", jobName, e.getMessage());
        }
    }

    /** A job that Kueue admits, once stopped, failed or deleted by the service, must not be admitted again. */
    private void deactivateIfEnded(Job job) {
        Optional<KueueWorkload> workload = cache.workloadOf(job);
        if (writer.deactivateWorkloadIfEnded(job, workload)) {
            LOG.infof("Job %s: its Kueue Workload %s deactivated", JobCache.jobId(job), workload.get().name());
        }
    }

    private void announce(Job job, JobOutcome outcome, JobState state) {
        OutcomeWritten.Cause cause = !state.mustStop() ? OutcomeWritten.Cause.ENDED
                : state.message().startsWith(JobStateMapper.SCHEDULING_TIMEOUT_MESSAGE)
                        ? OutcomeWritten.Cause.SCHEDULING_TIMEOUT
                        : OutcomeWritten.Cause.CANNOT_START;
        try {
            outcomes.fire(new OutcomeWritten(job, outcome, cause));
        } catch (RuntimeException e) {
            // The outcome is written; an observer's failure must not make it look otherwise.
            LOG.warnf(e, "Job %s: an observer of its outcome failed", JobCache.jobId(job));
        }
    }
}
