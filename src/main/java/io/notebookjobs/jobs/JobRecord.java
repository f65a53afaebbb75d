package io.notebookjobs.jobs;

import java.util.List;
import java.util.Map;

/**
 * A job as the user submitted it, stored as JSON in the Kubernetes Job's
 * {@code scheduler.jupyter.org/job-data} annotation and never changed afterwards. Environment
 * values are not in it: they live in the job's Secret.
 *
 * @param createTime milliseconds since the epoch
 * @param scriptExtension extension of the {@code script} export, from the notebook's language
 */
public record JobRecord(
        String jobId,
        String name,
        String owner,
        String inputFilename,
        String runtimeEnvironmentName,
        Map<String, Object> runtimeEnvironmentParameters,
        List<String> outputFormats,
        Map<String, Object> parameters,
        List<String> tags,
        String computeType,
        String idempotencyToken,
        String jobDefinitionId,
        String outputFilenameTemplate,
        boolean packageInputFolder,
        List<String> packagedFiles,
        Long createTime,
        long timeoutSeconds,
        int maxRetries,
        String scriptExtension) {

    public JobRecord {
        runtimeEnvironmentParameters = runtimeEnvironmentParameters == null ? Map.of() : runtimeEnvironmentParameters;
        outputFormats = outputFormats == null ? List.of() : List.copyOf(outputFormats);
        parameters = parameters == null ? Map.of() : parameters;
        tags = tags == null ? List.of() : List.copyOf(tags);
        packagedFiles = packagedFiles == null ? List.of() : List.copyOf(packagedFiles);
    }
}
