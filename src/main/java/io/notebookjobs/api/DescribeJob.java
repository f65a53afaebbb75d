package io.notebookjobs.api;

import java.util.List;
import java.util.Map;

/**
 * DescribeJob of the jupyter-scheduler contract: nulls are left out, lists are always present.
 * {@code owner} is ours (administrators see everyone's jobs); the UI ignores it.
 */
public record DescribeJob(
        String jobId,
        String name,
        String inputFilename,
        String runtimeEnvironmentName,
        Map<String, Object> runtimeEnvironmentParameters,
        List<String> outputFormats,
        Map<String, Object> parameters,
        List<String> tags,
        String computeType,
        String idempotencyToken,
        String jobDefinitionId,
        boolean packageInputFolder,
        List<String> packagedFiles,
        List<JobFile> jobFiles,
        String url,
        Long createTime,
        Long updateTime,
        Long startTime,
        Long endTime,
        String status,
        String statusMessage,
        boolean downloaded,
        Long timeoutSeconds,
        Integer maxRetries,
        String owner,
        io.notebookjobs.jobs.Notify.EmailNotifications emailNotifications,
        io.notebookjobs.jobs.Notify.WebhookNotifications webhookNotifications,
        List<Notification> notifications) {

    /**
     * Ours: one entry per event and channel the service has tried to deliver ({@code email}, or
     * {@code webhook:<name>}); state sent, retrying (with the next attempt's time) or failed.
     */
    public record Notification(String event, String channel, String state, int attempts, Long lastAttemptTime,
            Long nextAttemptTime, String error) {
    }

    /** An entry of {@code job_files}: one per output format, the input, and packaged files. */
    public record JobFile(String displayName, String fileFormat, String filePath) {
    }
}
