package io.notebookjobs.api;

import java.util.List;
import java.util.Map;

import io.notebookjobs.jobs.JobFields;
import io.notebookjobs.jobs.Notify;

/** The job definition bodies of the jupyter-scheduler contract. */
public final class DefinitionDtos {

    private DefinitionDtos() {
    }

    /** CreateJobDefinition: CreateJob's fields plus {@code schedule} and {@code timezone}. */
    public record CreateJobDefinition(
            String inputUri,
            String inputFilename,
            String runtimeEnvironmentName,
            Map<String, Object> runtimeEnvironmentParameters,
            List<String> outputFormats,
            Map<String, Object> parameters,
            List<String> tags,
            String name,
            String outputFilenameTemplate,
            String computeType,
            Boolean packageInputFolder,
            Integer timeoutSeconds,
            Integer maxRetries,
            String schedule,
            String timezone,
            Boolean active,
            Notify.EmailNotifications emailNotifications,
            Notify.WebhookNotifications webhookNotifications) implements JobFields {
    }

    /** UpdateJobDefinition: every field optional; what is given replaces what was. */
    public record UpdateJobDefinition(
            String runtimeEnvironmentName,
            Map<String, Object> runtimeEnvironmentParameters,
            List<String> outputFormats,
            Map<String, Object> parameters,
            List<String> tags,
            String name,
            String schedule,
            String timezone,
            Boolean active,
            String computeType,
            String inputUri,
            Boolean packageInputFolder,
            Integer timeoutSeconds,
            Integer maxRetries,
            Notify.EmailNotifications emailNotifications,
            Notify.WebhookNotifications webhookNotifications) {
    }

    public record DescribeJobDefinition(
            String jobDefinitionId,
            String name,
            String inputFilename,
            String runtimeEnvironmentName,
            Map<String, Object> runtimeEnvironmentParameters,
            List<String> outputFormats,
            Map<String, Object> parameters,
            List<String> tags,
            String computeType,
            String schedule,
            String timezone,
            long createTime,
            long updateTime,
            boolean active,
            boolean packageInputFolder,
            List<String> packagedFiles,
            long timeoutSeconds,
            int maxRetries,
            Long nextRunTime,
            String owner,
            Notify.EmailNotifications emailNotifications,
            Notify.WebhookNotifications webhookNotifications) {
    }

    public record CreateJobDefinitionResponse(String jobDefinitionId) {
    }

    public record ListJobDefinitionsResponse(List<DescribeJobDefinition> jobDefinitions, int totalCount,
            String nextToken) {
    }

    /** Run now: these parameters replace the definition's for this run. */
    public record RunNow(Map<String, Object> parameters) {
    }
}
