package io.notebookjobs.kube;

import java.time.Instant;
import java.util.List;
import java.util.Map;

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
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
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

    public JobWriter(KubernetesClient client, NotebookJobsConfig config) {
        this.client = client;
        this.namespace = config.kube().namespace();
    }

    public Secret create(Secret secret) {
        return client.secrets().inNamespace(namespace).resource(secret).create();
    }

    /**
     * Creates a Job or CronJob together with the Secret holding its environment values, and hands
     * the Secret to it so the garbage collector deletes both together. The Secret comes first, as
     * pods may start at once. Both exist afterwards, or neither.
     *
     * @param secret null when there are no values
     */
    public <T extends HasMetadata> T createWithSecret(T owner, Secret secret) {
        Secret createdSecret = secret == null ? null : create(secret);
        T created = null;
        try {
            created = client.resource(owner).inNamespace(namespace).create();
            if (createdSecret != null) {
                adopt(createdSecret, created);
            }
            return created;
        } catch (RuntimeException e) {
            if (created != null) {
                T toDelete = created;
                quietly(() -> client.resource(toDelete).inNamespace(namespace)
                        .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete());
            }
            if (createdSecret != null) {
                quietly(() -> deleteSecret(createdSecret.getMetadata().getName()));
            }
            throw e;
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

    /** Hands the Secret to its Job or CronJob, so that the garbage collector deletes it with the owner. */
    public void adopt(Secret secret, HasMetadata owner) {
        var meta = JobManifests.ownedBy(secret.getMetadata(), owner);
        patchSecret(secret.getMetadata().getName(), Map.of("metadata", Map.of("ownerReferences", meta.getOwnerReferences())));
    }

    public void deleteSecret(String name) {
        client.secrets().inNamespace(namespace).withName(name).delete();
    }

    /**
     * Suspends the Job so that it starts no pod, and records that the user asked for it: a
     * suspended Job without that mark is waiting (a queueing system), not stopped.
     */
    public Job requestStop(String jobName, Instant when) {
        return patchJob(jobName, Map.of(
                "spec", Map.of("suspend", true),
                "metadata", Map.of("annotations", Map.of(Labels.STOP_REQUESTED, Long.toString(when.toEpochMilli())))));
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

    /** Records a failure the service decided (not started in time) and suspends the Job, in one write. */
    public Job writeOutcomeAndSuspend(String jobName, JobOutcome outcome) {
        Map<String, Object> patch = new java.util.HashMap<>(outcomePatch(outcome));
        patch.put("spec", Map.of("suspend", true));
        return patchJob(jobName, patch);
    }

    private static Map<String, Object> outcomePatch(JobOutcome outcome) {
        return Map.of("metadata", Map.of(
                "labels", Map.of(Labels.STATUS, outcome.status().name()),
                "annotations", Map.of(Labels.OUTCOME, AnnotationJson.write(outcome))));
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
    public void updateSecretValues(String name, Map<String, String> set, java.util.Collection<String> remove) {
        Map<String, Object> data = new java.util.HashMap<>();
        remove.forEach(key -> data.put(key, null));
        Map<String, Object> patch = new java.util.HashMap<>();
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
