package io.notebookjobs.jobs;

/**
 * Fired once a job (one-off or a definition's run) is gone with its files, so that what it alone
 * kept alive (a definition's older input version) can go too.
 */
public record JobDeleted(JobRecord record) {
}
