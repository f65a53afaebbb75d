package io.notebookjobs.kube;

import java.util.function.UnaryOperator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * What an informer keeps of each object: the cache holds every job of the history, so it keeps
 * only what the service reads. Every object loses its managedFields (server-side apply
 * bookkeeping, often a third of an object); a Job also loses its pod template, the bulk of it
 * (the container, its environment, volumes and security settings), which the service never reads
 * back: its pods carry what they run, and every write to a Job is a patch by name, never an update
 * of the cached copy. The informer hands the same slimmed object to its indexers and handlers.
 */
final class SlimStore<T extends HasMetadata> extends BasicItemStore<T> {

    private final UnaryOperator<T> slim;

    private SlimStore(UnaryOperator<T> slim) {
        super(Cache::metaNamespaceKeyFunc);
        this.slim = slim;
    }

    static <T extends HasMetadata> SlimStore<T> withoutManagedFields() {
        return new SlimStore<>(SlimStore::withoutManagedFields);
    }

    static SlimStore<Job> forJobs() {
        return new SlimStore<>(job -> {
            withoutManagedFields(job);
            if (job.getSpec() != null) {
                job.getSpec().setTemplate(null);
            }
            return job;
        });
    }

    @Override
    public T put(String key, T obj) {
        return super.put(key, slim.apply(obj));
    }

    private static <T extends HasMetadata> T withoutManagedFields(T object) {
        if (object.getMetadata() != null) {
            object.getMetadata().setManagedFields(null);
        }
        return object;
    }
}
