package io.notebookjobs.jobs;

import java.util.List;
import java.util.Map;

/** A job's (or job definition's) fields after every rule was checked and defaults filled in. */
public record ValidatedJob(
        String name,
        String environment,
        String image,
        RunSettings settings,
        List<String> outputFormats,
        List<String> tags,
        Map<String, Object> parameters,
        String computeType,
        boolean packageInputFolder,
        Notify notifications) {
}
