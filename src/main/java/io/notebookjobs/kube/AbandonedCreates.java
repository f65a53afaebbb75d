package io.notebookjobs.kube;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.notebookjobs.config.NotebookJobsConfig;
import io.quarkus.scheduler.Scheduled;

/**
 * Deletes the Jobs and CronJobs that a create left half-made ({@link CreateMark}): created
 * suspended, then the service died (or the API server went away) before their Secret was made
 * and they were resumed. Nobody got an answer for them, nothing ever ran in them, and a retry
 * with the same idempotency token is told to come back until this has removed them. Their Secret,
 * if it was made, is owned by them and goes too; staged files are left to the orphaned-files
 * sweep. Leader only, from a synced cache, each deletion checked against the API server first.
 */
@ApplicationScoped
public class AbandonedCreates {

    private static final Logger LOG = Logger.getLogger(AbandonedCreates.class);

    private final JobCache cache;
    private final JobWriter writer;
    private final Leader leader;
    private final Clock clock;
    private final Duration after;

    public AbandonedCreates(JobCache cache, JobWriter writer, Leader leader, Clock clock, NotebookJobsConfig config) {
        this.cache = cache;
        this.writer = writer;
        this.leader = leader;
        this.clock = clock;
        this.after = config.kube().abandonedCreateAfter();
    }

    @Scheduled(every = "${notebook-jobs.kube.diagnosis-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        if (cache.hasSynced() && leader.isLeader()) {
            sweep();
        }
    }

    /** Deletes what is abandoned now; returns how many. */
    public int sweep() {
        Instant now = clock.instant();
        return sweep(cache.all(), now) + sweep(cache.definitions(), now);
    }

    private int sweep(List<? extends HasMetadata> objects, Instant now) {
        int deleted = 0;
        for (HasMetadata object : objects) {
            if (!CreateMark.isAbandoned(object, now, after)) {
                continue;
            }
            try {
                if (!writer.deleteIfStill(object, fresh -> CreateMark.isAbandoned(fresh, now, after))) {
                    continue;
                }
                deleted++;
                LOG.infof("%s %s: its create did not finish within %s (the service or the API server went away "
                        + "meanwhile), so it was deleted; it never ran", object.getKind(), object.getMetadata().getName(),
                        after);
            } catch (KubernetesClientException e) {
                // Changed or gone meanwhile, or the API server is away: the next tick looks again.
                LOG.debugf("%s %s: not deleted for now (%s)", object.getKind(), object.getMetadata().getName(),
                        e.getMessage());
            }
        }
        return deleted;
    }
}
