package io.notebookjobs.kube;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobSpecBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpec;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.jobs.RunSettings;
import io.notebookjobs.model.PodProfile;
import io.notebookjobs.storage.JobPaths;

/**
 * Builds the Kubernetes objects of a job: small pure methods from the job's record and settings
 * to manifests, unit-tested without a cluster. The container's environment is the executor
 * contract (docs/executor-contract.md).
 */
@ApplicationScoped
public class JobManifests {

    static final String CONTAINER = "executor";
    static final String WORK_DIR = "/work";
    static final String TERMINATION_LOG = "/dev/termination-log";

    private final NotebookJobsConfig config;

    public JobManifests(NotebookJobsConfig config) {
        this.config = config;
    }

    /**
     * In a job definition's Job template, where each run's id is its Job name: Kubernetes expands
     * it in the executor's environment (docs/executor-contract.md).
     */
    public static final String RUN_JOB_NAME = "$(NBJ_JOB_NAME)";

    /**
     * The Job of a one-off run.
     *
     * @param envSecret the Secret holding the user's environment values (the job's own, or its
     *        definition's for a run-now)
     */
    public Job job(JobRecord record, RunSettings settings, JobPaths paths, String image, String envSecret) {
        Map<String, String> labels = labels(record);
        return new JobBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(Labels.jobName(record.jobId()))
                        .withNamespace(config.kube().namespace())
                        .withLabels(jobLabels(labels, record, settings))
                        .withAnnotations(Map.of(Labels.JOB_DATA, AnnotationJson.write(record)))
                        .build())
                .withSpec(jobSpec(record, settings, paths, image, envSecret, labels))
                .build();
    }

    /**
     * The Job template of a job definition's CronJob: the record has no job id and no create time,
     * the output prefixes are derived from each spawned Job's name.
     */
    public JobTemplateSpec jobTemplate(JobRecord record, RunSettings settings, String image, String envSecret) {
        Map<String, String> labels = labels(record);
        JobPaths paths = JobPaths.forJob(JobPaths.root(config.s3().prefix().orElse("")), RUN_JOB_NAME, record.inputPrefix());
        return new JobTemplateSpecBuilder()
                .withNewMetadata()
                .withLabels(jobLabels(labels, record, settings))
                .withAnnotations(Map.of(Labels.JOB_DATA, AnnotationJson.write(record)))
                .endMetadata()
                .withSpec(jobSpec(record, settings, paths, image, envSecret, labels))
                .build();
    }

    private JobSpec jobSpec(JobRecord record, RunSettings settings, JobPaths paths, String image, String envSecret,
            Map<String, String> labels) {
        return new JobSpecBuilder()
                .withBackoffLimit(settings.maxRetries())
                .withCompletions(1)
                .withParallelism(1)
                .withActiveDeadlineSeconds(activeDeadline(settings).toSeconds())
                .withPodFailurePolicy(podFailurePolicy())
                // Kueue admits a queued Job by resuming it: created suspended, it waits for that.
                .withSuspend(settings.pod().queue() != null ? Boolean.TRUE : null)
                .withNewTemplate()
                .withNewMetadata()
                .withLabels(labels)
                .withAnnotations(Map.of(Labels.SAFE_TO_EVICT, "false"))
                .endMetadata()
                .withSpec(podSpec(record, settings, paths, image, envSecret))
                .endTemplate()
                .build();
    }

    /**
     * Kubernetes counts the deadline from the Job's start over all its attempts, which includes
     * waiting for a node and the back-off between attempts; the executor counts its run time
     * from its own start, per attempt. The deadline leaves room for waiting (up to the scheduling
     * timeout), for every attempt's full run time and upload, and for the back-off before each
     * retry, so a retry of a long job gets its whole run time and the executor always stops first
     * and keeps its outputs.
     */
    Duration activeDeadline(RunSettings settings) {
        Duration attempt = settings.timeout().plus(config.runtime().uploadAllowance());
        return config.kube().schedulingTimeout()
                .plus(attempt.multipliedBy(settings.maxRetries() + 1L))
                .plus(retryBackOff(settings.maxRetries()));
    }

    /** The Job controller's delays before the retries: 10 s, doubled each time, at most 6 min. */
    static Duration retryBackOff(int retries) {
        long seconds = 0;
        for (int i = 0; i < retries; i++) {
            seconds += Math.min(10L << Math.min(i, 10), 360L);
        }
        return Duration.ofSeconds(seconds);
    }

    /**
     * The executor's exit codes that a retry would only repeat (docs/executor-contract.md): a cell
     * error, bad configuration or input, a time limit, an export that cannot be produced. Storage
     * errors (3) and anything else (a killed container, 137) may be transient and count as a
     * failed attempt.
     */
    static final List<Integer> DETERMINISTIC_EXIT_CODES = List.of(1, 2, 4, 5);

    /**
     * Which failures retry: a pod disrupted by the cluster (eviction, preemption, node drain: the
     * DisruptionTarget condition) is replaced without counting against the retries; a
     * deterministic exit fails the Job at once, whatever retries were asked for.
     */
    static PodFailurePolicy podFailurePolicy() {
        return new PodFailurePolicyBuilder()
                .addNewRule()
                .withAction("Ignore")
                .addNewOnPodCondition().withType("DisruptionTarget").withStatus("True").endOnPodCondition()
                .endRule()
                .addNewRule()
                .withAction("FailJob")
                .withNewOnExitCodes().withContainerName(CONTAINER).withOperator("In")
                .withValues(DETERMINISTIC_EXIT_CODES).endOnExitCodes()
                .endRule()
                .build();
    }

    /** The user's environment values, referenced from the Job by {@code secretKeyRef}. */
    public Secret envSecret(String name, JobRecord record, Map<String, String> env) {
        return new SecretBuilder()
                .withMetadata(new ObjectMetaBuilder()
                        .withName(name)
                        .withNamespace(config.kube().namespace())
                        .withLabels(labels(record))
                        .build())
                .withType("Opaque")
                .withStringData(env)
                .build();
    }

    /** Makes the Secret belong to its Job or CronJob, so deleting the owner deletes it. */
    public static ObjectMeta ownedBy(ObjectMeta secretMeta, HasMetadata owner) {
        return new ObjectMetaBuilder(secretMeta)
                .withOwnerReferences(new OwnerReferenceBuilder()
                        .withApiVersion(owner.getApiVersion() == null ? "batch/v1" : owner.getApiVersion())
                        .withKind(owner.getKind())
                        .withName(owner.getMetadata().getName())
                        .withUid(owner.getMetadata().getUid())
                        .withBlockOwnerDeletion(false)
                        .withController(false)
                        .build())
                .build();
    }

    Map<String, String> labels(JobRecord record) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGED_BY_VALUE);
        if (record.jobId() != null) {
            labels.put(Labels.JOB_ID, record.jobId());
        }
        labels.put(Labels.OWNER, LabelValues.of(record.owner()));
        if (record.jobDefinitionId() != null) {
            labels.put(Labels.JOB_DEFINITION_ID, record.jobDefinitionId());
        }
        return labels;
    }

    /**
     * A Job's labels are its pods' plus its name, which a rename rewrites on the Job only, and the
     * Kueue queue that admits it.
     */
    private static Map<String, String> jobLabels(Map<String, String> labels, JobRecord record, RunSettings settings) {
        Map<String, String> jobLabels = new LinkedHashMap<>(labels);
        jobLabels.put(Labels.NAME, LabelValues.ofName(record.name()));
        if (settings.pod().queue() != null) {
            jobLabels.put(Labels.KUEUE_QUEUE_NAME, settings.pod().queue());
        }
        if (record.notifications() != null) {
            jobLabels.put(Labels.NOTIFY, Labels.NOTIFY_PENDING);
        }
        return jobLabels;
    }

    private io.fabric8.kubernetes.api.model.PodSpec podSpec(JobRecord record, RunSettings settings, JobPaths paths,
            String image, String envSecret) {
        NotebookJobsConfig.Kube kube = config.kube();
        Map<String, String> nodeSelector = new LinkedHashMap<>(kube.nodeSelector());
        List<Toleration> tolerations = new ArrayList<>();
        if (settings.gpu() > 0) {
            nodeSelector.putAll(kube.gpu().nodeSelector());
            for (String key : kube.gpu().tolerations()) {
                tolerations.add(new TolerationBuilder().withKey(key).withOperator("Exists").withEffect("NoSchedule").build());
            }
        }
        // The profile pins the pod further (GPU node pools) and may tolerate their taints.
        PodProfile pod = settings.pod();
        nodeSelector.putAll(pod.nodeSelector());
        for (PodProfile.Toleration t : pod.tolerations()) {
            Toleration toleration = new TolerationBuilder().withKey(t.key())
                    .withOperator(t.operator() == null ? (t.value() == null ? "Exists" : "Equal") : t.operator())
                    .withValue(t.value()).withEffect(t.effect()).withTolerationSeconds(t.tolerationSeconds()).build();
            if (!tolerations.contains(toleration)) {
                tolerations.add(toleration);
            }
        }
        List<io.fabric8.kubernetes.api.model.Volume> volumes = new ArrayList<>(List.of(
                new VolumeBuilder().withName("work").withNewEmptyDir().endEmptyDir().build(),
                new VolumeBuilder().withName("tmp").withNewEmptyDir().endEmptyDir().build()));
        for (PodProfile.Volume v : pod.volumes()) {
            volumes.add(new VolumeBuilder().withName(volumeName(v)).withNewPersistentVolumeClaim()
                    .withClaimName(v.claim()).withReadOnly(v.readOnly() ? Boolean.TRUE : null)
                    .endPersistentVolumeClaim().build());
        }
        PodSpecBuilder spec = new PodSpecBuilder()
                .withRestartPolicy("Never")
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withSecurityContext(new PodSecurityContextBuilder()
                        .withRunAsNonRoot(true)
                        .withRunAsUser(kube.runAsUser())
                        .withRunAsGroup(kube.runAsUser())
                        .withFsGroup(kube.runAsUser())
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .build())
                .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
                .withTolerations(tolerations)
                .withVolumes(volumes)
                .withContainers(container(record, settings, paths, image, envSecret));
        kube.executorServiceAccount().ifPresent(spec::withServiceAccountName);
        return spec.build();
    }

    private Container container(JobRecord record, RunSettings settings, JobPaths paths, String image,
            String envSecret) {
        ResourceRequirementsBuilder resources = new ResourceRequirementsBuilder();
        settings.cpu().ifPresent(cpu -> {
            resources.addToRequests("cpu", new Quantity(cpu.text()));
            resources.addToLimits("cpu", new Quantity(cpu.text()));
        });
        settings.memory().ifPresent(memory -> {
            resources.addToRequests("memory", new Quantity(memory.text()));
            resources.addToLimits("memory", new Quantity(memory.text()));
        });
        if (settings.gpu() > 0) {
            // Extended resources are set as limits; Kubernetes copies them to requests.
            resources.addToLimits(config.kube().gpu().resourceName(), new Quantity(Integer.toString(settings.gpu())));
        }
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withImagePullPolicy(config.kube().imagePullPolicy())
                .withCommand(config.kube().executorCommand())
                .withEnv(executorEnv(record, settings, paths, envSecret))
                .withResources(resources.build())
                .withVolumeMounts(volumeMounts(settings.pod()))
                .withTerminationMessagePath(TERMINATION_LOG)
                // Without a termination message (a crash before the executor could write one),
                // the end of the log becomes the message; the executor never logs secrets.
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withSecurityContext(new SecurityContextBuilder()
                        .withAllowPrivilegeEscalation(false)
                        .withPrivileged(false)
                        .withReadOnlyRootFilesystem(true)
                        .withRunAsNonRoot(true)
                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .build())
                .build();
    }

    /** The executor's own folders, then the shared volumes the policy granted, each with its access. */
    private static List<io.fabric8.kubernetes.api.model.VolumeMount> volumeMounts(PodProfile pod) {
        List<io.fabric8.kubernetes.api.model.VolumeMount> mounts = new ArrayList<>(List.of(
                new VolumeMountBuilder().withName("work").withMountPath(WORK_DIR).build(),
                new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build()));
        for (PodProfile.Volume v : pod.volumes()) {
            mounts.add(new VolumeMountBuilder().withName(volumeName(v)).withMountPath(v.mountPath())
                    .withReadOnly(v.readOnly()).withSubPath(v.subPath()).build());
        }
        return mounts;
    }

    /** Policy volume names are DNS labels of at most 61 characters; the prefix keeps them apart from ours. */
    static String volumeName(PodProfile.Volume volume) {
        return "v-" + volume.name();
    }

    /** The executor contract, in the order Kubernetes needs for {@code $(VAR)} expansion. */
    List<EnvVar> executorEnv(JobRecord record, RunSettings settings, JobPaths paths, String envSecret) {
        NotebookJobsConfig.S3 s3 = config.s3();
        boolean template = record.jobId() == null;
        List<EnvVar> env = new ArrayList<>();
        env.add(new EnvVarBuilder().withName("NBJ_JOB_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.labels['" + Labels.K8S_JOB_NAME + "']").endFieldRef().endValueFrom().build());
        env.add(template ? perRun("NBJ_JOB_ID", RUN_JOB_NAME) : literal("NBJ_JOB_ID", record.jobId()));
        env.add(literal("NBJ_S3_BUCKET", s3.bucket()));
        s3.endpointUrl().ifPresent(url -> env.add(literal("NBJ_S3_ENDPOINT_URL", url)));
        s3.region().ifPresent(region -> env.add(literal("NBJ_S3_REGION", region)));
        env.add(literal("NBJ_S3_PATH_STYLE", Boolean.toString(s3.pathStyle())));
        env.add(literal("NBJ_INPUT_PREFIX", paths.inputPrefix()));
        env.add(literal("NBJ_INPUT_FILE", record.inputFilename()));
        env.add(literal("NBJ_PACKAGE_INPUT_FOLDER", Boolean.toString(record.packageInputFolder())));
        env.add(template ? perRun("NBJ_OUTPUT_PREFIX", paths.outputPrefix())
                : literal("NBJ_OUTPUT_PREFIX", paths.outputPrefix()));
        env.add(template ? perRun("NBJ_SIDE_EFFECTS_PREFIX", paths.sideEffectsPrefix())
                : literal("NBJ_SIDE_EFFECTS_PREFIX", paths.sideEffectsPrefix()));
        env.add(template ? perRun("NBJ_LOG_KEY", paths.logKey()) : literal("NBJ_LOG_KEY", paths.logKey()));
        env.add(literal("NBJ_OUTPUT_FORMATS", String.join(",", record.outputFormats())));
        if (record.createTime() != null) {
            env.add(literal("NBJ_CREATE_TIME", record.createTime().toString()));
        }
        env.add(literal("NBJ_PARAMETERS", AnnotationJson.write(record.parameters())));
        env.add(literal("NBJ_RUN_TIMEOUT_SECONDS", Long.toString(settings.timeout().toSeconds())));
        env.add(literal("NBJ_CELL_TIMEOUT_SECONDS", Long.toString(config.runtime().cellTimeout().toSeconds())));
        env.add(literal("NBJ_WORK_DIR", WORK_DIR));
        env.add(literal("NBJ_TERMINATION_LOG", TERMINATION_LOG));
        NotebookJobsConfig.CredentialsSecret credentials = s3.credentialsSecret();
        credentials.name().ifPresent(secret -> {
            env.add(fromSecret("AWS_ACCESS_KEY_ID", secret, credentials.accessKeyIdKey(), false));
            env.add(fromSecret("AWS_SECRET_ACCESS_KEY", secret, credentials.secretAccessKeyKey(), false));
            env.add(fromSecret("AWS_SESSION_TOKEN", secret, credentials.sessionTokenKey(), true));
        });
        settings.env().keySet().forEach(name -> env.add(fromSecret(name, envSecret, name, false)));
        return env;
    }

    /** Like {@link #literal}, but lets Kubernetes put each run's Job name in. */
    private static EnvVar perRun(String name, String value) {
        String escaped = value.replace("$", "$$").replace("$" + RUN_JOB_NAME, RUN_JOB_NAME);
        return new EnvVarBuilder().withName(name).withValue(escaped).build();
    }

    /**
     * A value Kubernetes must pass through as is: it expands {@code $(VAR)} and turns {@code $$}
     * into {@code $} in literal values, so every {@code $} is doubled.
     */
    static EnvVar literal(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value.replace("$", "$$")).build();
    }

    private static EnvVar fromSecret(String name, String secret, String key, boolean optional) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef()
                .withName(secret).withKey(key).withOptional(optional ? Boolean.TRUE : null)
                .endSecretKeyRef().endValueFrom().build();
    }
}
