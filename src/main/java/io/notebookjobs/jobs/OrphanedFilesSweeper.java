package io.notebookjobs.jobs;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.Leader;
import io.notebookjobs.storage.ObjectStore;
import io.quarkus.scheduler.Scheduled;

/**
 * Removes files in S3 that belong to nothing: a job's folder {@code jobs/<id>/} without its Job
 * (a create that failed after the upload and could not clean up, a Job deleted with kubectl) and
 * a definition's {@code definitions/<id>/} without its CronJob. Only the leader sweeps, only from
 * a synced cache, and only folders whose newest file is older than
 * {@code retention.orphaned-files-after}, so a create in flight (upload done, Job not yet
 * created) is never touched.
 */
@ApplicationScoped
public class OrphanedFilesSweeper {

    private static final Logger LOG = Logger.getLogger(OrphanedFilesSweeper.class);
    /** A folder with more files than this is looked at in pages; its newest file decides. */
    private static final int MAX_FILES_LOOKED_AT = 10_000;

    private final NotebookJobsConfig config;
    private final JobCache cache;
    private final ObjectStore store;
    private final Clock clock;
    private final Leader leader;

    public OrphanedFilesSweeper(NotebookJobsConfig config, JobCache cache, ObjectStore store, Clock clock, Leader leader) {
        this.config = config;
        this.cache = cache;
        this.store = store;
        this.clock = clock;
        this.leader = leader;
    }

    @Scheduled(every = "${notebook-jobs.retention.orphan-sweep-interval}", delayed = "5m",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void scheduled() {
        if (leader.isLeader()) {
            try {
                sweep();
            } catch (RuntimeException e) {
                LOG.warnf("Sweeping orphaned files failed (%s); the next sweep tries again", e.getMessage());
            }
        }
    }

    /** Deletes the orphaned folders; returns how many. */
    public int sweep() {
        if (!cache.hasSynced()) {
            return 0;
        }
        Instant cutoff = clock.instant().minus(config.retention().orphanedFilesAfter());
        return sweep("jobs/", id -> cache.byJobId(id).isPresent(), cutoff)
                + sweep("definitions/", id -> cache.definitionById(id).isPresent(), cutoff);
    }

    private int sweep(String kind, Predicate<String> exists, Instant cutoff) {
        String parent = store.root() + kind;
        int deleted = 0;
        for (String folder : store.folders(parent)) {
            String id = folder.substring(parent.length(), folder.length() - 1);
            if (exists.test(id)) {
                continue;
            }
            List<ObjectStore.StoredObject> files = store.list(folder, MAX_FILES_LOOKED_AT);
            boolean old = files.stream().allMatch(f -> f.lastModified().isBefore(cutoff));
            // Checked again right before: a Job created meanwhile keeps its files.
            if (old && !exists.test(id)) {
                store.deletePrefix(folder);
                deleted++;
                LOG.infof("Removed the files of %s%s: nothing in the cluster owns them", kind, id);
            }
        }
        return deleted;
    }
}
