package io.notebookjobs.definitions;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;

/** A job definition as the API shows it: its record and whether its CronJob runs. */
public record DefinitionView(CronJob cronJob, DefinitionRecord record, boolean active) {

    public String id() {
        return record.jobDefinitionId();
    }
}
