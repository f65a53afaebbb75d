package io.notebookjobs.api;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The small response bodies of the API. */
public final class Responses {

    private Responses() {
    }

    public record CreateJobResponse(String jobId) {
    }

    public record ListJobsResponse(List<DescribeJob> jobs, int totalCount, String nextToken) {
    }

    public record CountJobsResponse(long count) {
    }

    /** {@code reason} is part of the contract's error body even when null. */
    public record ErrorResponse(String message, @JsonInclude(JsonInclude.Include.ALWAYS) String reason) {
        public static ErrorResponse of(String message) {
            return new ErrorResponse(message, null);
        }
    }

    public record SchedulerConfig(Map<String, Boolean> supportedFeatures, String manageEnvironmentsCommand) {
    }

    public record OutputFormatOption(String name, String label) {
    }

    /** RuntimeEnvironment: {@code label} must equal {@code name}, the UI looks environments up by it. */
    public record RuntimeEnvironment(String name, String label, String description, List<String> fileExtensions,
            List<OutputFormatOption> outputFormats, Map<String, String> metadata, List<String> computeTypes,
            String defaultComputeType, boolean utcOnly) {
    }

    /** A file of a job in the bucket, with its path relative to the job for {@code GET .../files/{path}}. */
    public record JobFileEntry(String name, String kind, long size, String format, Long lastModified) {
    }

    public record ListFilesResponse(List<JobFileEntry> files) {
    }

    public record UpdateJob(String status, String name, String computeType) {
    }
}
