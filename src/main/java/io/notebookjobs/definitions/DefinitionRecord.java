package io.notebookjobs.definitions;

import java.util.List;
import java.util.Map;

import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.jobs.Notify;
import io.notebookjobs.model.PodProfile;

/**
 * A job definition, stored as JSON in its CronJob's {@code scheduler.jupyter.org/job-definition-data}
 * annotation. Unlike a job record it changes: an update rewrites it together with the CronJob's
 * schedule and Job template, in one write guarded by the CronJob's resource version.
 *
 * @param inputPrefix where the current version of the input is staged, relative to the root prefix
 * @param pod what the group policy allowed for the runs' pods; null for definitions made without one
 */
public record DefinitionRecord(
        String jobDefinitionId,
        String name,
        String owner,
        String inputFilename,
        String runtimeEnvironmentName,
        Map<String, Object> runtimeEnvironmentParameters,
        List<String> outputFormats,
        Map<String, Object> parameters,
        List<String> tags,
        String computeType,
        String schedule,
        String timezone,
        boolean packageInputFolder,
        List<String> packagedFiles,
        long createTime,
        long updateTime,
        long timeoutSeconds,
        int maxRetries,
        String scriptExtension,
        String inputPrefix,
        PodProfile pod,
        Notify notifications) {

    public DefinitionRecord {
        runtimeEnvironmentParameters = runtimeEnvironmentParameters == null ? Map.of() : runtimeEnvironmentParameters;
        outputFormats = outputFormats == null ? List.of() : List.copyOf(outputFormats);
        parameters = parameters == null ? Map.of() : parameters;
        tags = tags == null ? List.of() : List.copyOf(tags);
        packagedFiles = packagedFiles == null ? List.of() : List.copyOf(packagedFiles);
    }

    /** The record every run spawned from this definition carries; runs get their id and time from their Job. */
    public JobRecord runTemplate() {
        return new JobRecord(null, name, owner, inputFilename, runtimeEnvironmentName, runtimeEnvironmentParameters,
                outputFormats, parameters, tags, computeType, null, jobDefinitionId, null, packageInputFolder,
                packagedFiles, null, timeoutSeconds, maxRetries, scriptExtension, inputPrefix, pod, notifications);
    }
}
