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

    /** Runtime environments offered to users; the key is the environment's name. */
    Map<String, Environment> environments();

    /**
     * Owner of every job until authentication exists: all reads and writes are scoped to this
     * user.
     */
    @WithDefault("anonymous")
    String defaultOwner();

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
    }

    interface Definitions {
        /** What a CronJob does when a run is due while the previous one still runs: Forbid, Allow or Replace. */
        @WithDefault("Forbid")
        String concurrencyPolicy();

        /** A run that could not start within this of its scheduled time is skipped (startingDeadlineSeconds). */
        @WithDefault("5m")
        Duration startingDeadline();
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
    }

    interface Environment {
        /** Executor image of this environment. */
        String image();

        @WithDefault("Runs the notebook in a Kubernetes Job")
        String description();
    }
}
