package io.notebookjobs.kube;

/**
 * Label and annotation keys on the Jobs, Pods and Secrets the service manages. The
 * {@code scheduler.jupyter.org/} keys are the prototype's, so kubectl selectors users already
 * have keep working.
 */
public final class Labels {

    public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY_VALUE = "notebook-jobs";
    public static final String JOB_ID = "scheduler.jupyter.org/job-id";
    public static final String JOB_DEFINITION_ID = "scheduler.jupyter.org/job-definition-id";
    /** The owner as a label value: the user name when it is a valid label value, else a hash of it. */
    public static final String OWNER = "scheduler.jupyter.org/owner";
    /**
     * The job's or definition's name, on Jobs and CronJobs only (the prototype's label, for kubectl):
     * the name with spaces as {@code _} when that is a valid label value, else a hash of it. The
     * API's name filter reads the record, never this label.
     */
    public static final String NAME = "scheduler.jupyter.org/name";
    /** Written with the terminal status, so {@code kubectl get jobs -l ...status=FAILED} works. */
    public static final String STATUS = "scheduler.jupyter.org/status";
    /** Set by the Job controller on a Job's pods. */
    public static final String K8S_JOB_NAME = "batch.kubernetes.io/job-name";

    /** The job record as JSON, written once at create. */
    public static final String JOB_DATA = "scheduler.jupyter.org/job-data";
    /** A job definition's record as JSON, on its CronJob; rewritten by each update. */
    public static final String JOB_DEFINITION_DATA = "scheduler.jupyter.org/job-definition-data";
    /** Later edits by the user (rename), as JSON. */
    public static final String JOB_EDITS = "scheduler.jupyter.org/job-edits";
    /** When the user asked to stop the job, in milliseconds since the epoch. */
    public static final String STOP_REQUESTED = "scheduler.jupyter.org/stop-requested";
    /**
     * When the user asked to delete the job, in milliseconds since the epoch: from then on the
     * job is gone for the API, and the leader finishes the delete (pods, files, the Job).
     */
    public static final String DELETE_REQUESTED = "scheduler.jupyter.org/delete-requested";
    /**
     * When the create of a Job or CronJob with an env Secret began, in milliseconds since the
     * epoch; present only until the Secret exists and the object is resumed ({@link CreateMark}).
     */
    public static final String CREATING = "scheduler.jupyter.org/creating";
    /** The terminal status, message and times, as JSON, written once the job has ended. */
    public static final String OUTCOME = "scheduler.jupyter.org/outcome";
    /** Keeps the cluster autoscaler from evicting a running notebook to scale a node down. */
    public static final String SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict";

    /**
     * On a Job whose record asks for notifications: {@code pending} until every one is sent, given
     * up or can no longer happen, then {@code done}; the Notifier looks only at pending ones.
     */
    public static final String NOTIFY = "scheduler.jupyter.org/notify";
    public static final String NOTIFY_PENDING = "pending";
    public static final String NOTIFY_DONE = "done";
    /** What the Notifier delivered for the job, as JSON (DeliveryLog): the sent mark lives on the Job. */
    public static final String NOTIFIED = "scheduler.jupyter.org/notified";

    /** Kueue's: the LocalQueue a Job is submitted to; Kueue admits (resumes) such a Job. */
    public static final String KUEUE_QUEUE_NAME = "kueue.x-k8s.io/queue-name";
    /** Kueue's, on a Workload: the UID of the Job it stands for. */
    public static final String KUEUE_JOB_UID = "kueue.x-k8s.io/job-uid";

    public static final String JOB_NAME_PREFIX = "nb-job-";
    public static final String CRON_JOB_NAME_PREFIX = "nb-jobdef-";

    private Labels() {
    }

    public static String jobName(String jobId) {
        return JOB_NAME_PREFIX + jobId;
    }

    public static String cronJobName(String definitionId) {
        return CRON_JOB_NAME_PREFIX + definitionId;
    }

    public static String envSecretName(String jobName) {
        return jobName + "-env";
    }
}
