package io.notebookjobs.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.api.ApiException;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.kube.AnnotationJson;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.kube.Leader;
import io.quarkus.scheduler.Scheduled;

/**
 * Deletes finished jobs (one-off and scheduled runs) once their end is older than the configured
 * retention, with their files. Nothing else trims the history: CronJobs keep every run they make.
 */
@ApplicationScoped
public class RetentionSweeper {

    /** Who the retention sweeper deletes as: the service itself, for every owner. */
    private static final Caller SWEEPER = new Caller("retention-sweeper", java.util.Set.of(), true);


    private static final Logger LOG = Logger.getLogger(RetentionSweeper.class);

    private final NotebookJobsConfig config;
    private final JobCache cache;
    private final JobService jobs;
    private final Clock clock;
    private final Leader leader;

    public RetentionSweeper(NotebookJobsConfig config, JobCache cache, JobService jobs, Clock clock, Leader leader) {
        this.leader = leader;
        this.config = config;
        this.cache = cache;
        this.jobs = jobs;
        this.clock = clock;
    }

    @Scheduled(every = "${notebook-jobs.retention.sweep-interval}", delayed = "1m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void sweep() {
        if (!leader.isLeader()) {
            return; // one replica sweeps: two would delete the same jobs at once
        }
        config.retention().finishedJobs().ifPresent(this::deleteEndedBefore);
    }

    /** Deletes every job that ended more than {@code age} ago; returns how many. */
    public int deleteEndedBefore(Duration age) {
        if (!cache.hasSynced()) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(age);
        // The sweeper acts for the service, on everyone's jobs.
        int deleted = 0;
        for (Job job : cache.all()) {
            Optional<Long> end = AnnotationJson.read(job, Labels.OUTCOME, JobOutcome.class).map(JobOutcome::endTime);
            Optional<JobRecord> record = cache.record(job);
            if (end.isEmpty() || record.isEmpty() || !Instant.ofEpochMilli(end.get()).isBefore(cutoff)) {
                continue;
            }
            try {
                jobs.delete(SWEEPER, JobCache.jobId(job));
                deleted++;
            } catch (ApiException e) {
                LOG.debugf("Job %s already gone: %s", JobCache.jobId(job), e.getMessage());
            } catch (RuntimeException e) {
                LOG.warnf("Could not delete old job %s (%s); the next sweep tries again", JobCache.jobId(job),
                        e.getMessage());
            }
        }
        if (deleted > 0) {
            LOG.infof("Deleted %d jobs that ended more than %s ago", deleted, age);
        }
        return deleted;
    }
}
