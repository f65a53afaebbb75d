package io.notebookjobs.kube;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.jobs.JobEdits;
import io.notebookjobs.jobs.JobOutcome;

/**
 * Every write the service makes to the cluster. Changes to existing objects are JSON merge
 * patches of only the fields the service owns, so they never overwrite what another writer
 * (the Job controller, a second replica) changed in between, and never fail on a stale version.
 */
@ApplicationScoped
public class JobWriter {

    private final KubernetesClient client;
    private final String namespace;
    private final ResourceDefinitionContext workloads;

    private final Clock clock;

    public JobWriter(KubernetesClient client, NotebookJobsConfig config, Clock clock) {
        this.client = client;
        this.namespace = config.kube().namespace();
        this.workloads = JobCache.workloadContext(config);
        this.clock = clock;
    }

    public Secret create(Secret secret) {
        return client.secrets().inNamespace(namespace).resource(secret).create();
    }

    /**
     * Creates a Job or CronJob together with the Secret holding its environment values, so that
     * the Secret is owned from the moment it exists and the garbage collector deletes it with its
     * owner: the owner is created first, suspended and marked {@link Labels#CREATING} (no pod can
     * start without its values), then the Secret with its ownerReference, then the owner is
     * resumed and unmarked in one patch. A failure on the way deletes the owner (its Secret goes
     * with it); a crash on the way leaves a marked owner that {@link AbandonedCreates} deletes.
     * Nothing is ever left that holds values and belongs to nothing.
     *
     * @param secret null when there are no values: then the owner is simply created
     */
    public <T extends HasMetadata> T createWithSecret(T owner, Secret secret) {
        if (secret == null) {
            return client.resource(owner).inNamespace(namespace).create();
        }
        T created = client.resource(CreateMark.suspendedWhileCreating(owner, clock.instant())).inNamespace(namespace)
                .create();
        return finishCreate(created, secret, CreateMark.wantedSuspend(owner));
    }

    /**
     * Creates a Job whose name is derived from its owner and idempotency token, with the Secret of
     * its environment values, so that the API server, not one replica's memory, decides which of
     * two creates with the same token wins: the one whose Job create succeeds, and only that one
     * writes the Secret ({@link #createWithSecret}'s order). Our name already existing is the
     * earlier create's result: {@link NameTakenException}, and nothing of that Job (its Secret
     * above all) is touched.
     *
     * @param secret null when there are no values
     */
    public Job createOnce(Job job, Secret secret) {
        Job toCreate = secret == null ? job : CreateMark.suspendedWhileCreating(job, clock.instant());
        Job created;
        try {
            created = client.resource(toCreate).inNamespace(namespace).create();
        } catch (KubernetesClientException e) {
            created = afterFailedCreate(toCreate, e);
        }
        return secret == null ? created : finishCreate(created, secret, CreateMark.wantedSuspend(job));
    }

    /**
     * A create that failed may still have happened: a timeout or a server error says nothing of
     * whether the API server stored the Job (under load it answered after the client's 10 s), and
     * the client's own retry of such an error meets the Job its first try made (409). The Job of
     * our name decides: exactly ours (the same record, unique to this attempt) is the create's
     * result; anyone else's is the earlier create that won; none is a real failure.
     */
    private Job afterFailedCreate(Job attempted, KubernetesClientException e) {
        boolean unknownOutcome = e.getCode() <= 0 || e.getCode() >= 500;
        if (e.getCode() != 409 && !unknownOutcome) {
            throw e;
        }
        Job existing = client.batch().v1().jobs().inNamespace(namespace).withName(attempted.getMetadata().getName()).get();
        if (existing == null) {
            throw e;
        }
        if (java.util.Objects.equals(annotation(existing, Labels.JOB_DATA),
                annotation(attempted, Labels.JOB_DATA))) {
            return existing;
        }
        throw new NameTakenException(existing);
    }

    private static String annotation(Job job, String key) {
        return job.getMetadata().getAnnotations() == null ? null : job.getMetadata().getAnnotations().get(key);
    }

    private <T extends HasMetadata> T finishCreate(T created, Secret secret, Boolean suspend) {
        try {
            Secret owned = new SecretBuilder(secret)
                    .withMetadata(JobManifests.ownedBy(secret.getMetadata(), created)).build();
            try {
                create(owned);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
                // A Secret of this name exists although only the creator of this very owner writes
                // it: one of an earlier owner of the name (deleted, the garbage collector not done
                // yet) or of a version that made the Secret first. Either way it is ours now.
                takeOver(owned);
            }
            // A JSON patch, not a merge patch: removing a key by setting it to null is what RFC 7386
            // says, but the fabric8 mock server keeps the null, and the test must see what the
            // API server does. One write both unmarks and resumes, so nothing runs half-created.
            String escapedKey = Labels.CREATING.replace("~", "~0").replace("/", "~1");
            List<Map<String, Object>> ops = new ArrayList<>();
            ops.add(Map.of("op", "remove", "path", "/metadata/annotations/" + escapedKey));
            if (!KueueJobs.isQueued(created)) {
                // A queued Job stays as it is: Kueue may have admitted (resumed) it already.
                ops.add(Map.of("op", "add", "path", "/spec/suspend", "value", Boolean.TRUE.equals(suspend)));
            }
            T stub = CreateMark.stubOf(created);
            stub.getMetadata().setNamespace(namespace);
            return client.resource(stub).inNamespace(namespace)
                    .patch(PatchContext.of(PatchType.JSON), client.getKubernetesSerialization().asJson(ops));
        } catch (RuntimeException e) {
            quietly(() -> client.resource(created).inNamespace(namespace)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
            throw e;
        }
    }

    /** Replaces all values and the owner of an existing Secret with ours (the service cannot read Secrets). */
    private void takeOver(Secret secret) {
        Map<String, Object> patch = new HashMap<>();
        patch.put("data", null);
        patch.put("stringData", secret.getStringData());
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("ownerReferences", secret.getMetadata().getOwnerReferences());
        metadata.put("labels", secret.getMetadata().getLabels());
        patch.put("metadata", metadata);
        patchSecret(secret.getMetadata().getName(), patch);
    }

    /** A create met a Job of its own name: an earlier create with the same name won. */
    public static final class NameTakenException extends RuntimeException {
        private final transient Job existing;

        NameTakenException(Job existing) {
            super("Job " + existing.getMetadata().getName() + " exists already");
            this.existing = existing;
        }

        public Job existing() {
            return existing;
        }
    }

    private static void quietly(Runnable cleanup) {
        try {
            cleanup.run();
        } catch (RuntimeException e) {
            org.jboss.logging.Logger.getLogger(JobWriter.class).warnf("Cleanup after a failed create failed too: %s",
                    e.getMessage());
        }
    }

    /**
     * Creates a definition's first env Secret, or, when a Secret of that name exists already,
     * makes its values exactly {@code values}. The name is the definition's own, so an existing
     * one is what an earlier attempt of the same update left (its CronJob write lost a conflict,
     * or the service stopped in between): it is ours to overwrite, never a reason to fail and
     * never deleted, since the CronJob may already reference it.
     */
    public Secret createOrReplaceValues(Secret secret) {
        try {
            return create(secret);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // Without reading it (the service has no right to): "data": null drops every value the
            // earlier attempt wrote, stringData then sets the wanted ones.
            Map<String, Object> patch = new HashMap<>();
            patch.put("data", null);
            patch.put("stringData", secret.getStringData());
            Map<String, Object> metadata = new HashMap<>();
            metadata.put("labels", secret.getMetadata().getLabels());
            metadata.put("ownerReferences", secret.getMetadata().getOwnerReferences());
            patch.put("metadata", metadata);
            return mergePatch(new SecretBuilder().withNewMetadata().withName(secret.getMetadata().getName())
                    .endMetadata().build(), patch);
        }
    }

    public void deleteSecret(String name) {
        client.secrets().inNamespace(namespace).withName(name).delete();
    }

    /**
     * Suspends the Job so that it starts no pod, and records that the user asked for it: a
     * suspended Job without that mark is waiting (a queueing system), not stopped. A scheduled
     * run leaves its CronJob in the same write ({@link ScheduledRunRelease}).
     */
    public Job requestStop(Job job, Instant when) {
        Map<String, Object> metadata = new HashMap<>(Map.of("annotations",
                Map.of(Labels.STOP_REQUESTED, Long.toString(when.toEpochMilli()))));
        leaveCronJob(job, metadata);
        // A Job that Kueue admits is stopped through its Workload ({@link #deactivateWorkload}):
        // Kueue would resume it at once.
        return patchJob(job.getMetadata().getName(), KueueJobs.isQueued(job) ? Map.of("metadata", metadata)
                : Map.of("spec", Map.of("suspend", true), "metadata", metadata));
    }

    /**
     * Deactivates a Kueue Workload ({@code spec.active: false}), Kueue's own way to stop a queued
     * or running Job: Kueue evicts it, suspends the Job, and the Job controller stops its pods with
     * their grace period. A Workload that is already gone has nothing left to stop.
     */
    public void deactivateWorkload(KueueWorkload workload) {
        try {
            client.genericKubernetesResources(workloads).inNamespace(namespace)
                    .withName(workload.name())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"active\":false}}");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    /**
     * Deactivates the Job's Workload if the service is done with the job and Kueue could still
     * (re)admit it ({@link KueueJobs#mustDeactivate}); says whether it did.
     */
    public boolean deactivateWorkloadIfEnded(Job job, Optional<KueueWorkload> workload) {
        if (!KueueJobs.mustDeactivate(job, workload)) {
            return false;
        }
        deactivateWorkload(workload.get());
        return true;
    }

    /** Only the release from the CronJob, for a run suspended before the service did it in the same write. */
    public Job dropCronJobOwner(Job job) {
        Map<String, Object> metadata = new HashMap<>();
        leaveCronJob(job, metadata);
        return metadata.isEmpty() ? job : patchJob(job.getMetadata().getName(), Map.of("metadata", metadata));
    }

    /**
     * Adds the Job's ownerReferences without the CronJob's controller reference to a metadata
     * patch (a merge patch replaces the whole list; null removes it), if a CronJob owns the Job.
     */
    private static void leaveCronJob(Job job, Map<String, Object> metadata) {
        ScheduledRunRelease.ownerReferencesWithoutCronJob(job)
                .ifPresent(rest -> metadata.put("ownerReferences", rest.isEmpty() ? null : rest));
    }


    /**
     * Marks the Job for deletion, in one write: suspended (so nothing starts again) and stamped,
     * so that every replica hides it at once and the leader finishes the delete, also after a
     * restart. A job still running also gets its stop mark, as its outcome is "stopped". A run
     * of a definition leaves its CronJob in the same write (no ownerReference): the CronJob
     * stops counting it as active at once, and deleting the CronJob cannot make the garbage
     * collector delete the run's Job before its files are gone.
     */
    public Job requestDelete(Job job, Instant when, boolean running) {
        String jobName = job.getMetadata().getName();
        Map<String, Object> metadata = new HashMap<>();
        Map<String, String> annotations = new HashMap<>();
        annotations.put(Labels.DELETE_REQUESTED, Long.toString(when.toEpochMilli()));
        if (running) {
            annotations.put(Labels.STOP_REQUESTED, Long.toString(when.toEpochMilli()));
        }
        metadata.put("annotations", annotations);
        metadata.put("ownerReferences", null);
        return patchJob(jobName, KueueJobs.isQueued(job) ? Map.of("metadata", metadata)
                : Map.of("spec", Map.of("suspend", true), "metadata", metadata));
    }

    public void deletePods(List<Pod> pods, long gracePeriodSeconds) {
        for (Pod pod : pods) {
            client.pods().inNamespace(namespace).withName(pod.getMetadata().getName())
                    .withGracePeriod(gracePeriodSeconds).delete();
        }
    }

    public Job writeOutcome(String jobName, JobOutcome outcome) {
        return patchJob(jobName, outcomePatch(outcome));
    }

    /**
     * Records a failure the service decided (not started in time) and suspends the Job, in one
     * write; a scheduled run leaves its CronJob in it too ({@link ScheduledRunRelease}).
     */
    public Job writeOutcomeAndSuspend(Job job, JobOutcome outcome) {
        Map<String, Object> metadata = outcomeMetadata(outcome);
        leaveCronJob(job, metadata);
        return patchJob(job.getMetadata().getName(), KueueJobs.isQueued(job) ? Map.of("metadata", metadata)
                : Map.of("metadata", metadata, "spec", Map.of("suspend", true)));
    }

    private static Map<String, Object> outcomePatch(JobOutcome outcome) {
        return Map.of("metadata", outcomeMetadata(outcome));
    }

    private static Map<String, Object> outcomeMetadata(JobOutcome outcome) {
        return new HashMap<>(Map.of(
                "labels", Map.of(Labels.STATUS, outcome.status().name()),
                "annotations", Map.of(Labels.OUTCOME, AnnotationJson.write(outcome))));
    }

    /**
     * The Notifier's sent marks, as JSON; with {@code done} the Job also leaves the Notifier's
     * view (label {@code notify=done}).
     */
    public Job writeNotified(String jobName, String deliveries, boolean done) {
        Map<String, Object> metadata = new HashMap<>();
        metadata.put("annotations", Map.of(Labels.NOTIFIED, deliveries));
        if (done) {
            metadata.put("labels", Map.of(Labels.NOTIFY, Labels.NOTIFY_DONE));
        }
        return patchJob(jobName, Map.of("metadata", metadata));
    }

    public Job writeEdits(String jobName, JobEdits edits) {
        return patchJob(jobName, Map.of("metadata", Map.of(
                "labels", Map.of(Labels.NAME, LabelValues.ofName(edits.name())),
                "annotations", Map.of(Labels.JOB_EDITS, AnnotationJson.write(edits)))));
    }

    /** Deletes the Job; the garbage collector removes its pods and its Secret after it. */
    public void deleteJob(String jobName) {
        client.batch().v1().jobs().inNamespace(namespace).withName(jobName)
                .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }

    /**
     * Deletes a Job or CronJob, with its Secret and pods after it, if the API server still has
     * the same object (uid) and {@code stillWanted} holds for it as it is there now: a decision
     * taken from the cache is checked against the truth first.
     *
     * @return whether it was deleted
     */
    public <T extends HasMetadata> boolean deleteIfStill(T cached, java.util.function.Predicate<T> stillWanted) {
        T current = client.resource(cached).inNamespace(namespace).get();
        if (current == null || !current.getMetadata().getUid().equals(cached.getMetadata().getUid())
                || !stillWanted.test(current)) {
            return false;
        }
        client.resource(current).inNamespace(namespace).withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        return true;
    }

    /**
     * Replaces a CronJob as a whole (schedule, Job template, record) if nobody changed it since
     * {@code resourceVersion}; a 409 otherwise, which the caller retries with a fresh read.
     */
    public CronJob replace(CronJob cronJob, String resourceVersion) {
        cronJob.getMetadata().setResourceVersion(resourceVersion);
        return client.batch().v1().cronjobs().inNamespace(namespace).resource(cronJob).update();
    }

    /** The CronJob as the API server has it now, for a retry after a conflict. */
    public CronJob readCronJob(String name) {
        return client.batch().v1().cronjobs().inNamespace(namespace).withName(name).get();
    }

    public CronJob suspendCronJob(String name) {
        return mergePatch(new CronJobBuilder().withNewMetadata().withName(name).endMetadata().build(),
                Map.of("spec", Map.of("suspend", true)));
    }

    public void deleteCronJob(String name) {
        client.batch().v1().cronjobs().inNamespace(namespace).withName(name)
                .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
    }

    /**
     * Sets and removes values of a Secret without reading it: the service writes environment
     * values, it never needs to see them again.
     */
    public void updateSecretValues(String name, Map<String, String> set, Collection<String> remove) {
        Map<String, Object> data = new HashMap<>();
        remove.forEach(key -> data.put(key, null));
        Map<String, Object> patch = new HashMap<>();
        if (!data.isEmpty()) {
            patch.put("data", data);
        }
        if (!set.isEmpty()) {
            patch.put("stringData", set);
        }
        if (!patch.isEmpty()) {
            patchSecret(name, patch);
        }
    }

    private Job patchJob(String jobName, Map<String, Object> patch) {
        return mergePatch(new JobBuilder().withNewMetadata().withName(jobName).endMetadata().build(), patch);
    }

    private void patchSecret(String name, Map<String, Object> patch) {
        mergePatch(new SecretBuilder().withNewMetadata().withName(name).endMetadata().build(), patch);
    }

    /**
     * A JSON merge patch addressed by a stub object: patching by name alone makes the client read
     * the object first, one more call, and for Secrets a read the service has no right to.
     */
    private <T extends HasMetadata> T mergePatch(T target, Map<String, Object> patch) {
        target.getMetadata().setNamespace(namespace);
        return client.resource(target).inNamespace(namespace)
                .patch(PatchContext.of(PatchType.JSON_MERGE), client.getKubernetesSerialization().asJson(patch));
    }
}
