package io.notebookjobs.jobs;

import java.util.List;
import java.util.Map;

import io.notebookjobs.model.PodProfile;

/**
 * A job as the user submitted it, stored as JSON in the Kubernetes Job's
 * {@code scheduler.jupyter.org/job-data} annotation and never changed afterwards. Environment
 * values are not in it: they live in the job's Secret.
 *
 * <p>A job definition's CronJob carries the same record in its Job template, without
 * {@code jobId} and {@code createTime}: a spawned run is identified by its Kubernetes Job name and
 * created at its scheduled minute.
 *
 * @param createTime milliseconds since the epoch
 * @param scriptExtension extension of the {@code script} export, from the notebook's language
 * @param inputPrefix key prefix of the staged input, relative to the bucket's root prefix: a
 *        definition's input for its runs, {@code jobs/<id>/input-<attempt>/} for a create with an
 *        idempotency token (each attempt its own, see JobService#create); null means the job's
 *        own {@code jobs/<id>/input/}
 * @param pod what the group policy allowed for the pod; null for jobs made without one
 * @param notifications who is told of its start and end; null: nobody
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
        String scriptExtension,
        String inputPrefix,
        PodProfile pod,
        Notify notifications) {

    public JobRecord {
        runtimeEnvironmentParameters = runtimeEnvironmentParameters == null ? Map.of() : runtimeEnvironmentParameters;
        outputFormats = outputFormats == null ? List.of() : List.copyOf(outputFormats);
        parameters = parameters == null ? Map.of() : parameters;
        tags = tags == null ? List.of() : List.copyOf(tags);
        packagedFiles = packagedFiles == null ? List.of() : List.copyOf(packagedFiles);
    }
}
