package io.notebookjobs.jobs;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The statuses of the jupyter-scheduler contract. */
public enum JobStatus {
    CREATED,
    QUEUED,
    IN_PROGRESS,
    COMPLETED,
    FAILED,
    STOPPING,
    STOPPED;

    public boolean isTerminal() {
        return this == COMPLETED || this == FAILED || this == STOPPED;
    }

    /** Case-insensitive, as the UI sends both {@code IN_PROGRESS} and {@code in_progress}. */
    public static Optional<JobStatus> parse(String value) {
        String wanted = value.trim().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(s -> s.name().equals(wanted)).findFirst();
    }
}
