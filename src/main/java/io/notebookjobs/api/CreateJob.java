package io.notebookjobs.api;

import java.util.List;
import java.util.Map;

/**
 * CreateJob of the jupyter-scheduler contract, plus {@code timeout_seconds} and
 * {@code max_retries} (also accepted inside {@code runtime_environment_parameters}, which is what
 * the stock UI can send). Unknown fields are ignored.
 */
public record CreateJob(
        String inputUri,
        String inputFilename,
        String runtimeEnvironmentName,
        Map<String, Object> runtimeEnvironmentParameters,
        List<String> outputFormats,
        String idempotencyToken,
        String jobDefinitionId,
        Map<String, Object> parameters,
        List<String> tags,
        String name,
        String outputFilenameTemplate,
        String computeType,
        Boolean packageInputFolder,
        Integer timeoutSeconds,
        Integer maxRetries,
        io.notebookjobs.jobs.Notify.EmailNotifications emailNotifications,
        io.notebookjobs.jobs.Notify.WebhookNotifications webhookNotifications) implements io.notebookjobs.jobs.JobFields {
}
