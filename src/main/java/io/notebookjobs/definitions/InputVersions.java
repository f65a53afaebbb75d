package io.notebookjobs.definitions;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.jobs.JobDeleted;
import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.storage.ObjectStore;

/**
 * A definition's staged input versions ({@code definitions/<id>/inputs/<version>/}). An update
 * with a new input stages a new version and never overwrites one: every run, finished or not,
 * keeps reading (and listing, and downloading as its "Input") the version it ran with. A version
 * goes once it is not the current one and no run in the history references it any more: after
 * the update that replaced it, or after the delete of the last run that used it (by the user or
 * the retention sweeper).
 */
@ApplicationScoped
public class InputVersions {

    private static final Logger LOG = Logger.getLogger(InputVersions.class);

    private final JobCache cache;
    private final ObjectStore store;

    public InputVersions(JobCache cache, ObjectStore store) {
        this.cache = cache;
        this.store = store;
    }

    void onRunDeleted(@Observes JobDeleted deleted) {
        JobRecord run = deleted.record();
        if (run.jobDefinitionId() == null || run.inputPrefix() == null) {
            return;
        }
        // A deleted definition takes its whole prefix with it; nothing to do here then.
        Optional<DefinitionRecord> definition = cache.definitionById(run.jobDefinitionId())
                .flatMap(cache::definitionRecord);
        try {
            definition.ifPresent(d -> pruneUnused(d.jobDefinitionId(), d.inputPrefix()));
        } catch (RuntimeException e) {
            // The run is deleted either way; the next delete or update of the definition retries.
            LOG.warnf("Could not remove unused inputs of job definition %s: %s", run.jobDefinitionId(),
                    e.getMessage());
        }
    }

    /** Deletes the definition's input versions that are neither {@code currentPrefix} nor referenced by a run. */
    public void pruneUnused(String definitionId, String currentPrefix) {
        Set<String> inUse = new HashSet<>(Set.of(currentPrefix));
        for (Job run : cache.byDefinition(definitionId)) {
            cache.record(run).map(JobRecord::inputPrefix).ifPresent(inUse::add);
        }
        String relative = JobPaths.definitionPrefix(definitionId) + "inputs/";
        String versions = store.root() + relative;
        Set<String> stale = new HashSet<>();
        for (ObjectStore.StoredObject o : store.list(versions)) {
            String rest = o.key().substring(versions.length());
            int slash = rest.indexOf('/');
            if (slash > 0) {
                String version = relative + rest.substring(0, slash + 1);
                if (!inUse.contains(version)) {
                    stale.add(version);
                }
            }
        }
        stale.forEach(version -> store.deletePrefixQuietly(store.root() + version));
        if (!stale.isEmpty()) {
            LOG.infof("Job definition %s: removed %d input versions no run uses any more", definitionId, stale.size());
        }
    }
}
