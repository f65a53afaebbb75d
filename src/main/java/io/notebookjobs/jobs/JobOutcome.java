package io.notebookjobs.jobs;

/**
 * How a job ended, written back to its Kubernetes Job once, so that history keeps the status
 * and message after the pods (and their termination messages) are gone.
 */
public record JobOutcome(JobStatus status, String statusMessage, Long startTime, Long endTime) {
}
