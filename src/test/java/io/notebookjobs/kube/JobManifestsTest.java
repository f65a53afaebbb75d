package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.jobs.RunSettings;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.testing.TestConfig;

/** The Job a job becomes, built without a cluster. */
class JobManifestsTest {

    static final String ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

    static JobRecord record(String owner) {
        return new JobRecord(ID, "nightly report", owner, "report.ipynb", "default", Map.of("cpu", "2"),
                List.of("ipynb", "html"), Map.of("region", "'eu'"), List.of("nightly"), null, null, null, null, false,
                List.of(), 1795437423000L, 3600, 0, "py", null, null, null);
    }

    static RunSettings settings(int gpu, Map<String, String> env) {
        return new RunSettings(io.notebookjobs.model.Quantity.parse("2"), io.notebookjobs.model.Quantity.parse("4Gi"), gpu,
                env, Duration.ofHours(1), 0, Map.of(), io.notebookjobs.model.PodProfile.NONE);
    }

    private static Job build(Map<String, String> config, int gpu, Map<String, String> env) {
        Map<String, String> values = new HashMap<>(Map.of("notebook-jobs.kube.namespace", "notebooks",
                "notebook-jobs.s3.credentials-secret.name", "s3-credentials",
                "notebook-jobs.s3.endpoint-url", "http://minio:9000", "notebook-jobs.s3.path-style", "true"));
        values.putAll(config);
        return new JobManifests(TestConfig.load(values)).job(record("alice@example.com"), settings(gpu, env),
                JobPaths.forJob("", ID), "registry.example/executor:1.0", "nb-job-" + ID + "-env");
    }

    private static Container executor(Job job) {
        return job.getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static Optional<EnvVar> env(Job job, String name) {
        return executor(job).getEnv().stream().filter(e -> e.getName().equals(name)).findFirst();
    }

    @Test
    void isALabelledJobThatRunsOnceAndCarriesItsRecord() {
        Job job = build(Map.of(), 0, Map.of());
        assertThat(job.getMetadata().getName()).isEqualTo("nb-job-" + ID);
        assertThat(job.getMetadata().getNamespace()).isEqualTo("notebooks");
        assertThat(job.getMetadata().getLabels())
                .containsEntry(Labels.MANAGED_BY, "notebook-jobs")
                .containsEntry(Labels.JOB_ID, ID)
                .containsEntry(Labels.OWNER, LabelValues.of("alice@example.com"))
                .containsEntry(Labels.NAME, "nightly_report")
                .doesNotContainKey(Labels.JOB_DEFINITION_ID);
        assertThat(job.getMetadata().getLabels().get(Labels.OWNER)).startsWith("sha256-").hasSize(47);
        // Pods carry the Job's labels but its name, which a rename changes on the Job only.
        Map<String, String> podLabels = new java.util.HashMap<>(job.getMetadata().getLabels());
        podLabels.remove(Labels.NAME);
        assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(podLabels);
        assertThat(AnnotationJson.read(job, Labels.JOB_DATA, JobRecord.class)).contains(record("alice@example.com"));
        assertThat(job.getSpec().getBackoffLimit()).isZero();
        assertThat(job.getSpec().getCompletions()).isEqualTo(1);
        // run time + scheduling timeout + upload allowance
        assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(3600 + 300 + 300);
        assertThat(job.getSpec().getTtlSecondsAfterFinished()).as("Jobs are the history: never expire them").isNull();
    }

    @Test
    void eachAttemptGetsItsFullRunTimeAndTheBackOffBeforeIt() {
        JobManifests manifests = new JobManifests(TestConfig.load(Map.of("notebook-jobs.kube.namespace", "notebooks")));
        RunSettings twoRetries = new RunSettings(io.notebookjobs.model.Quantity.parse("2"),
                io.notebookjobs.model.Quantity.parse("4Gi"), 0, Map.of(), Duration.ofHours(1), 2, Map.of(),
                io.notebookjobs.model.PodProfile.NONE);
        // scheduling timeout + 3 attempts x (run time + upload allowance) + back-off 10 s + 20 s
        assertThat(manifests.activeDeadline(twoRetries)).isEqualTo(Duration.ofSeconds(300 + 3 * (3600 + 300) + 30));
        assertThat(JobManifests.retryBackOff(0)).isZero();
        assertThat(JobManifests.retryBackOff(7)).isEqualTo(Duration.ofSeconds(10 + 20 + 40 + 80 + 160 + 320 + 360));
        assertThat(JobManifests.retryBackOff(1000)).isEqualTo(Duration.ofSeconds(10 + 20 + 40 + 80 + 160 + 320 + 360L * 994));
    }

    @Test
    void deterministicFailuresFailAtOnceAndDisruptionsDoNotCount() {
        var rules = build(Map.of(), 0, Map.of()).getSpec().getPodFailurePolicy().getRules();
        assertThat(rules).hasSize(2);
        // Rules are tried in order: a disrupted pod is replaced whatever its exit code.
        assertThat(rules.get(0).getAction()).isEqualTo("Ignore");
        assertThat(rules.get(0).getOnPodConditions()).singleElement()
                .satisfies(c -> assertThat(c.getType() + "=" + c.getStatus()).isEqualTo("DisruptionTarget=True"));
        assertThat(rules.get(1).getAction()).isEqualTo("FailJob");
        assertThat(rules.get(1).getOnExitCodes().getContainerName()).isEqualTo(JobManifests.CONTAINER);
        assertThat(rules.get(1).getOnExitCodes().getOperator()).isEqualTo("In");
        // Cell error, bad input, time limit, export; not storage (3) or a killed container.
        assertThat(rules.get(1).getOnExitCodes().getValues()).containsExactly(1, 2, 4, 5);
    }

    @Test
    void podIsHardenedAndWritesOnlyToItsVolumes() {
        Job job = build(Map.of(), 0, Map.of());
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getAutomountServiceAccountToken()).isFalse();
        assertThat(pod.getEnableServiceLinks()).isFalse();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        Container c = executor(job);
        assertThat(c.getImage()).isEqualTo("registry.example/executor:1.0");
        assertThat(c.getImagePullPolicy()).isEqualTo("IfNotPresent");
        assertThat(c.getCommand()).containsExactly("notebook-executor");
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getPrivileged()).isFalse();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
        assertThat(pod.getVolumes()).allSatisfy(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/work", "/tmp");
        assertThat(pod.getTolerations()).isEmpty();
        assertThat(pod.getNodeSelector()).isNull();
    }

    @Test
    void cpuAndMemoryAreRequestAndLimitGpusALimitOnTheConfiguredResource() {
        Job job = build(Map.of("notebook-jobs.kube.gpu.resource-name", "amd.com/gpu",
                "notebook-jobs.kube.gpu.tolerations", "amd.com/gpu,gpu-pool",
                "notebook-jobs.kube.gpu.node-selector.\"accelerator\"", "mi300"), 2, Map.of());
        Container c = executor(job);
        assertThat(c.getResources().getRequests()).containsEntry("cpu", new Quantity("2")).containsEntry("memory",
                new Quantity("4Gi"));
        assertThat(c.getResources().getLimits()).containsEntry("cpu", new Quantity("2"))
                .containsEntry("memory", new Quantity("4Gi")).containsEntry("amd.com/gpu", new Quantity("2"));
        PodSpec pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getTolerations()).extracting(t -> t.getKey() + " " + t.getOperator() + " " + t.getEffect())
                .containsExactly("amd.com/gpu Exists NoSchedule", "gpu-pool Exists NoSchedule");
        assertThat(pod.getNodeSelector()).containsEntry("accelerator", "mi300");
    }

    @Test
    void secretsArriveByReferenceOnly() {
        Map<String, String> userEnv = new LinkedHashMap<>();
        userEnv.put("HF_TOKEN", "hf_secret");
        Job job = build(Map.of(), 0, userEnv);
        assertThat(env(job, "AWS_ACCESS_KEY_ID")).get().satisfies(e -> {
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("s3-credentials");
            assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("AWS_ACCESS_KEY_ID");
        });
        assertThat(env(job, "AWS_SESSION_TOKEN")).get()
                .satisfies(e -> assertThat(e.getValueFrom().getSecretKeyRef().getOptional()).isTrue());
        assertThat(env(job, "HF_TOKEN")).get().satisfies(e -> {
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("nb-job-" + ID + "-env");
        });
        assertThat(new KubernetesSerialization().asJson(job)).doesNotContain("hf_secret");

        Secret secret = new JobManifests(TestConfig.load(Map.of())).envSecret("nb-job-" + ID + "-env", record("alice"), userEnv);
        assertThat(secret.getMetadata().getName()).isEqualTo("nb-job-" + ID + "-env");
        assertThat(secret.getStringData()).containsEntry("HF_TOKEN", "hf_secret");
    }

    @Test
    void withoutACredentialsSecretPodsGetNoCredentialsAtAll() {
        Job job = new JobManifests(TestConfig.load(Map.of())).job(record("alice"), settings(0, Map.of()),
                JobPaths.forJob("", ID), "executor", "nb-job-" + ID + "-env");
        assertThat(executor(job).getEnv()).noneMatch(e -> e.getName().startsWith("AWS_"));
        assertThat(env(job, "NBJ_S3_ENDPOINT_URL")).isEmpty();
        assertThat(env(job, "NBJ_S3_PATH_STYLE")).get().extracting(EnvVar::getValue).isEqualTo("false");
    }

    @Test
    void theExecutorFindsItsJobNameThroughTheDownwardApi() {
        Job job = build(Map.of("notebook-jobs.kube.executor-service-account", "notebook-executor"), 0, Map.of());
        assertThat(executor(job).getEnv().get(0).getName()).isEqualTo("NBJ_JOB_NAME");
        assertThat(executor(job).getEnv().get(0).getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.labels['batch.kubernetes.io/job-name']");
        assertThat(job.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("notebook-executor");
        assertThat(env(job, "NBJ_PARAMETERS")).get().extracting(EnvVar::getValue).isEqualTo("{\"region\":\"'eu'\"}");
    }

    @Test
    void literalValuesSurviveKubernetesVariableExpansion() {
        assertThat(JobManifests.literal("NBJ_PARAMETERS", "{\"p\":\"'$(HOME) costs $$5'\"}").getValue())
                .isEqualTo("{\"p\":\"'$$(HOME) costs $$$$5'\"}");
    }
}
