package io.notebookjobs.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Every setting of the service, under the prefix {@code notebook-jobs}. The prototype's environment
 * variable names ({@code S3_BUCKET}, {@code K8S_NAMESPACE}, ...) are mapped onto these keys in
 * {@code application.properties}, so both spellings work.
 */
@ConfigMapping(prefix = "notebook-jobs")
public interface NotebookJobsConfig {

    S3 s3();

    Kube kube();

    Resources resources();

    Runtime runtime();

    Limits limits();

    Definitions definitions();

    Retention retention();

    Auth auth();

    Policy policy();

    Inputs inputs();

    Catalogue catalogue();

    Metrics metrics();

    Notifications notifications();

    /** Runtime environments offered to users; the key is the environment's name. */
    Map<String, Environment> environments();

    /**
     * Owner of every request in auth mode {@code none}; jobs made before identity existed belong
     * to it.
     */
    @WithDefault("anonymous")
    String defaultOwner();

    interface Auth {
        /** none, jupyterhub or oidc ({@link io.notebookjobs.identity.AuthMode}). */
        @WithDefault("none")
        String mode();

        /** Members of any of these groups see and manage every user's jobs and definitions. */
        Optional<List<String>> adminGroups();

        /** Groups of the default owner in mode none (they decide its profiles and limits). */
        Optional<List<String>> defaultGroups();

        JupyterHub jupyterhub();

        Oidc oidc();
    }

    interface JupyterHub {
        /** The hub's API, e.g. http://hub:8081/hub/api; JUPYTERHUB_API_URL when the hub runs the service. */
        Optional<String> apiUrl();

        /** A token must carry this scope (or the unfiltered access:services) to be accepted. */
        @WithDefault("access:services!service=notebook-jobs")
        String scope();

        /** How long a verified token is trusted without asking the hub again; a revoked token works that long. */
        @WithDefault("5m")
        Duration cacheTtl();

        /** Most tokens remembered at once. */
        @WithDefault("10000")
        int cacheSize();

        /** Longest a call to the hub may take. */
        @WithDefault("5s")
        Duration timeout();
    }

    interface Oidc {
        /** Claim holding the user name. */
        @WithDefault("preferred_username")
        String usernameClaim();

        /** Claim holding the groups (a list or one string; a path like realm_access/roles reaches into objects). */
        @WithDefault("groups")
        String groupsClaim();
    }

    interface Policy {
        /** The group policy (YAML). Empty: no profiles, the resource maxima above for everyone, no custom images. */
        Optional<String> file();
    }

    interface Inputs {
        /**
         * Where a user's notebooks in the bucket may be (relative to the service's prefix);
         * {@code input_uri} may name nothing else. {user} is the caller's name.
         */
        @WithDefault("users/{user}/")
        String userArea();
    }

    interface Catalogue {
        /** An HTTP endpoint listing the images users may run; replaces the configured environments. */
        Optional<String> url();

        /** How long its answer is used before asking again. */
        @WithDefault("5m")
        Duration cacheTtl();

        /** Image of an entry without one: {name} is the entry's name, e.g. registry.example.com/library/{name}:latest. */
        Optional<String> imageTemplate();

        @WithDefault("10s")
        Duration timeout();
    }

    interface S3 {
        /** Bucket holding every job's inputs and outputs. */
        String bucket();

        /** Key prefix inside the bucket, so several deployments can share one bucket. */
        Optional<String> prefix();

        /** Region; empty means the AWS SDK's region chain, then us-east-1. */
        Optional<String> region();

        /** Endpoint override for MinIO and other S3-compatible stores. */
        Optional<String> endpointUrl();

        /** Path-style addressing (endpoint/bucket/key), needed by most S3-compatible stores. */
        @WithDefault("false")
        boolean pathStyle();

        /** Files at least this large are uploaded in parts, several at once. */
        @WithDefault("16M")
        MemorySize multipartThreshold();

        /** Outputs are served through a short-lived presigned URL instead of through the service. */
        @WithDefault("false")
        boolean presignedDownloads();

        @WithDefault("5m")
        Duration presignedUrlTtl();

        /**
         * Endpoint written into presigned URLs, when browsers reach the store under another
         * address than the service does (an in-cluster MinIO behind an ingress).
         */
        Optional<String> publicEndpointUrl();

        /**
         * Secret in the service's namespace whose keys give executor pods their S3 credentials.
         * Empty: pods get no credentials from the service (IAM roles, workload identity).
         */
        CredentialsSecret credentialsSecret();
    }

    interface CredentialsSecret {
        Optional<String> name();

        @WithDefault("AWS_ACCESS_KEY_ID")
        String accessKeyIdKey();

        @WithDefault("AWS_SECRET_ACCESS_KEY")
        String secretAccessKeyKey();

        /** Optional key: pods start without a session token when the Secret lacks it. */
        @WithDefault("AWS_SESSION_TOKEN")
        String sessionTokenKey();
    }

    interface Kube {
        /** Namespace of every Job, Pod and Secret the service creates. */
        @WithDefault("default")
        String namespace();

        /** Pull policy of executor images. */
        @WithDefault("IfNotPresent")
        String imagePullPolicy();

        /** Longest a job may wait for its pod to be scheduled before it fails. */
        @WithDefault("300s")
        Duration schedulingTimeout();

        /** How often pending jobs are checked against the grace period and the timeout. */
        @WithDefault("5s")
        Duration diagnosisInterval();

        /** Longest the service waits at boot for its informers to sync before carrying on unready. */
        @WithDefault("60s")
        Duration informerSyncTimeout();

        /**
         * A Job or CronJob still marked as being created this long after its create began was
         * left by a create that died half-way (the service crashed, the API server went away):
         * the leader deletes it, and its Secret goes with it. A create takes well under a second.
         */
        @WithDefault("2m")
        Duration abandonedCreateAfter();

        /** Longest a write waits to be seen by the informer cache, so a read after it sees it. */
        @WithDefault("10s")
        Duration cacheWaitTimeout();

        /** Service account of executor pods (for IAM roles / workload identity); empty: the namespace default. */
        Optional<String> executorServiceAccount();

        /** Command of the executor container. */
        @WithDefault("notebook-executor")
        List<String> executorCommand();

        @WithDefault("1000")
        long runAsUser();

        /** Node labels every job's pod must match. */
        Map<String, String> nodeSelector();

        Gpu gpu();

        LeaderElection leaderElection();

        Kueue kueue();
    }

    /**
     * Kueue (kueue.sigs.k8s.io) admits Jobs that a profile or group policy sends to one of its
     * LocalQueues. With it on, the service watches Kueue's Workloads in its namespace to say why
     * a queued job waits, and stops queued jobs by deactivating their Workload.
     */
    interface Kueue {
        /**
         * Off: the group policy may not name queues. On: Kueue's CRDs must be installed, or the
         * service stays unready (it cannot list Workloads).
         */
        @WithDefault("false")
        boolean enabled();

        /** The Workload API version to watch: v1beta2 is Kueue 0.15+'s storage version. */
        @WithDefault("kueue.x-k8s.io/v1beta2")
        String workloadApiVersion();
    }

    /** One replica leads (a Lease): it writes outcomes, enforces the scheduling timeout and sweeps. */
    interface LeaderElection {
        /** Off only for a single replica that must not need the Lease rights. */
        @WithDefault("true")
        boolean enabled();

        @WithDefault("notebook-jobs-leader")
        String leaseName();

        /**
         * How long a lease lasts unrenewed: a dead leader is replaced after this plus one retry
         * period (with fabric8's jitter, up to 2.2 of them), so within 15 s with the defaults.
         */
        @WithDefault("10s")
        Duration leaseDuration();

        @WithDefault("8s")
        Duration renewDeadline();

        @WithDefault("2s")
        Duration retryPeriod();
    }

    interface Gpu {
        /** Extended resource name GPUs are requested as. */
        @WithDefault("nvidia.com/gpu")
        String resourceName();

        /** Extra node labels for pods that ask for GPUs. */
        Map<String, String> nodeSelector();

        /**
         * Taint keys GPU pods tolerate (operator Exists, effect NoSchedule). GPU node pools are
         * usually tainted with the resource name.
         */
        @WithDefault("nvidia.com/gpu")
        List<String> tolerations();
    }

    interface Resources {
        /** CPU for jobs that ask for none; empty: no request (the namespace's LimitRange decides). */
        Optional<String> defaultCpu();

        Optional<String> defaultMemory();

        @WithDefault("16")
        String maxCpu();

        @WithDefault("128Gi")
        String maxMemory();

        @WithDefault("4")
        int maxGpu();
    }

    interface Runtime {
        /** Maximum run time of a job that asks for none. */
        @WithDefault("12h")
        Duration defaultTimeout();

        /** Largest maximum run time a job may ask for. */
        @WithDefault("7d")
        Duration maxTimeout();

        /**
         * Added to a job's run time to form the Job's activeDeadlineSeconds, so the executor
         * reaches its own limit first and still uploads partial outputs.
         */
        @WithDefault("5m")
        Duration uploadAllowance();

        /** Per-cell limit passed to the executor; 0 means none. */
        @WithDefault("0s")
        Duration cellTimeout();

        /** Most retries (Job backoffLimit) a job may ask for. */
        @WithDefault("3")
        int maxRetries();
    }

    interface Limits {
        /** Largest create request (notebook plus packaged files). */
        @WithDefault("512M")
        MemorySize maxUploadSize();

        /**
         * Largest job record kept in the Job's annotation. Kubernetes allows 256 KiB for all
         * annotations of an object together.
         */
        @WithDefault("64K")
        MemorySize maxRecordSize();

        /** Most files a packaged folder may contain. */
        @WithDefault("2000")
        int maxPackagedFiles();

        /**
         * Most uploads (multipart creates and updates) a replica receives at once; more get a 503
         * to retry. Bodies are spooled to /tmp, so its volume must hold this many times
         * max-upload-size.
         */
        @WithDefault("4")
        int maxConcurrentUploads();

        /**
         * Logs followed at once ({@code follow=true}) by one replica; each holds a connection to
         * the API server and a worker thread while its job runs. Beyond it: 503.
         */
        @WithDefault("32")
        int maxLogFollowers();
    }

    interface Definitions {
        /** What a CronJob does when a run is due while the previous one still runs: Forbid, Allow or Replace. */
        @WithDefault("Forbid")
        String concurrencyPolicy();

        /** A run that could not start within this of its scheduled time is skipped (startingDeadlineSeconds). */
        @WithDefault("5m")
        Duration startingDeadline();
    }

    interface Metrics {
        /**
         * How often the jobs-by-status gauge is recomputed from the cache: a scrape then reads the
         * last count instead of looking at every job.
         */
        @WithDefault("15s")
        Duration refreshInterval();
    }

    interface Notifications {
        /**
         * Sender address of notification mail. Empty: the service sends no mail and refuses
         * {@code email_notifications} with addresses. The mail server is quarkus.mailer's
         * (host, port, TLS, user and password, the password from a Secret).
         */
        Optional<String> mailFrom();

        /** Webhook endpoints jobs may name in {@code webhook_notifications}; the key is the name. */
        Map<String, Webhook> webhooks();

        /** How often the leader looks for notifications due. */
        @WithDefault("5s")
        Duration interval();

        /** Attempts per notification before it is given up and marked failed on the job. */
        @WithDefault("8")
        int maxAttempts();

        /** Wait after the first failed attempt; it doubles after each further one. */
        @WithDefault("15s")
        Duration retryDelay();

        @WithDefault("10m")
        Duration maxRetryDelay();

        /** Connect and answer timeout of one webhook call. */
        @WithDefault("10s")
        Duration timeout();

        /** Addresses (or webhooks) per event of one job. */
        @WithDefault("10")
        int maxRecipients();

        /**
         * A link to the job for messages, {@code {job_id}} replaced by its id (for example the
         * JupyterLab URL users open). Empty: messages carry the service's own API path.
         */
        Optional<String> jobUrl();

        interface Webhook {
            String url();

            /** json (our payload) or slack (a Slack-compatible {"text": ...} body). */
            @WithDefault("json")
            String format();

            /** HMAC-SHA256 key: each call carries X-Notebook-Jobs-Signature: sha256=<hex of the body's HMAC>. */
            Optional<String> secret();
        }
    }

    interface Retention {
        /**
         * Finished jobs (one-off and scheduled runs) whose end is older than this are deleted with
         * their files. Empty: keep them all.
         */
        Optional<Duration> finishedJobs();

        /** How often old jobs are looked for. */
        @WithDefault("10m")
        Duration sweepInterval();

        /**
         * Files in S3 of a job or definition that has no Kubernetes object (a create that
         * crashed before its Job, a Job deleted by hand) are removed once they are this old.
         */
        @WithDefault("1h")
        Duration orphanedFilesAfter();

        /** How often the bucket is looked at for such files. */
        @WithDefault("1h")
        Duration orphanSweepInterval();
    }

    interface Environment {
        /** Executor image of this environment. */
        String image();

        @WithDefault("Runs the notebook in a Kubernetes Job")
        String description();
    }
}
