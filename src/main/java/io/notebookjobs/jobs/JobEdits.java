package io.notebookjobs.jobs;

/**
 * What the user changed after create (PATCH), kept apart from the record so that an edit is one
 * JSON merge patch of one annotation: no read-modify-write, no lost update.
 */
public record JobEdits(String name, String computeType, Long updateTime) {
}
