package io.notebookjobs.kube;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.definitions.DefinitionRecord;
import io.notebookjobs.jobs.RunSettings;

/** Builds a job definition's CronJob: its schedule, and a Job template like a one-off job's. */
@ApplicationScoped
public class DefinitionManifests {

    /**
     * The CronJob controller deletes finished Jobs beyond these counts (3 and 1 when unset). The
     * Jobs are the history, so the controller keeps them all; retention is the service's decision.
     */
    static final int KEEP_ALL = Integer.MAX_VALUE;

    private final NotebookJobsConfig config;
    private final JobManifests jobs;

    public DefinitionManifests(NotebookJobsConfig config, JobManifests jobs) {
        this.config = config;
        this.jobs = jobs;
    }

    public CronJob cronJob(DefinitionRecord definition, boolean active, RunSettings settings, String image) {
        String name = Labels.cronJobName(definition.jobDefinitionId());
        return new CronJobBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(name)
                        .withNamespace(config.kube().namespace())
                        .withLabels(labels(definition))
                        .withAnnotations(Map.of(Labels.JOB_DEFINITION_DATA, AnnotationJson.write(definition)))
                        .build())
                .withNewSpec()
                .withSchedule(definition.schedule())
                .withTimeZone(definition.timezone())
                .withSuspend(!active)
                .withConcurrencyPolicy(config.definitions().concurrencyPolicy())
                .withStartingDeadlineSeconds(config.definitions().startingDeadline().toSeconds())
                .withSuccessfulJobsHistoryLimit(KEEP_ALL)
                .withFailedJobsHistoryLimit(KEEP_ALL)
                .withJobTemplate(jobs.jobTemplate(definition.runTemplate(), settings, image, envSecretName(definition)))
                .endSpec()
                .build();
    }

    /** The Secret with the definition's environment values, shared by all its runs. */
    public static String envSecretName(DefinitionRecord definition) {
        return Labels.envSecretName(Labels.cronJobName(definition.jobDefinitionId()));
    }

    static Map<String, String> labels(DefinitionRecord definition) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        labels.put(Labels.JOB_DEFINITION_ID, definition.jobDefinitionId());
        labels.put(Labels.OWNER, LabelValues.of(definition.owner()));
        labels.put(Labels.NAME, LabelValues.ofName(definition.name()));
        return labels;
    }
}
