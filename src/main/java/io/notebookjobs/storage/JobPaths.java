package io.notebookjobs.storage;

/**
 * Where a job's files live in the bucket:
 * <pre>
 * &lt;root&gt;jobs/&lt;job id&gt;/input/   the notebook and, when packaged, its folder
 * &lt;root&gt;jobs/&lt;job id&gt;/output/  output files and a copy of the input
 * &lt;root&gt;jobs/&lt;job id&gt;/files/   side-effect files of a packaged folder
 * &lt;root&gt;jobs/&lt;job id&gt;/logs/executor.log   the executor's log, saved when the run ends
 * </pre>
 */
public record JobPaths(String jobPrefix, String inputPrefix, String outputPrefix, String sideEffectsPrefix) {

    /**
     * The root prefix from the configured one: no leading slashes, a trailing slash unless empty.
     * The service and the CronJob templates (read by the executor) must agree on it.
     */
    public static String root(String configuredPrefix) {
        String trimmed = configuredPrefix.strip().replaceAll("^/+", "");
        return trimmed.isEmpty() || trimmed.endsWith("/") ? trimmed : trimmed + "/";
    }

    public static JobPaths forJob(String root, String jobId) {
        String job = root + "jobs/" + jobId + "/";
        return new JobPaths(job, job + "input/", job + "output/", job + "files/");
    }

    /**
     * A job whose input is staged elsewhere (a job definition's input, staged once for all runs).
     *
     * @param inputPrefix relative to the root prefix; null keeps the job's own input prefix
     */
    public static JobPaths forJob(String root, String jobId, String inputPrefix) {
        JobPaths own = forJob(root, jobId);
        return inputPrefix == null ? own
                : new JobPaths(own.jobPrefix(), root + inputPrefix, own.outputPrefix(), own.sideEffectsPrefix());
    }

    /** The executor's log, saved there when the run ends (the pod's log is gone with the pod). */
    public String logKey() {
        return jobPrefix + "logs/executor.log";
    }

    /** Where a job definition's input versions live, relative to the root prefix. */
    public static String definitionPrefix(String definitionId) {
        return "definitions/" + definitionId + "/";
    }
}
