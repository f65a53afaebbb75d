package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.model.PodProfile;
import io.notebookjobs.policy.GroupPolicy;
import io.notebookjobs.testing.TestConfig;

class ProfileRulesTest {

    private static final GroupPolicy POLICY = GroupPolicy.read(Path.of("k8s/components/group-policy/policy.yaml"));
    private static final Environment PYTORCH = new Environment("pytorch", "notebook-jobs/executor-pytorch:2025-11-06", "",
            false, Map.of());
    private static final Environment PLAIN = new Environment("default", "notebook-jobs/executor:0.1.0", "", false, Map.of());
    private static final Environment NEEDS_GPU = new Environment("cuda", "notebook-jobs/executor-cuda:1", "", true, Map.of());

    /** Larger maxima than the groups', so the group limits are what refuses. */
    private final ResourcePolicy service = ResourcePolicy.from(TestConfig.load(Map.of(
            "notebook-jobs.resources.max-cpu", "64", "notebook-jobs.resources.max-memory", "512Gi",
            "notebook-jobs.resources.max-gpu", "8")));

    private RunSettings apply(Caller caller, Environment environment, Object... keyValues) {
        Map<String, Object> params = new HashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            params.put((String) keyValues[i], keyValues[i + 1]);
        }
        RuntimeParameters.Requested req = RuntimeParameters.read(params, null, null, service);
        return ProfileRules.apply(req, POLICY.grantsFor(caller, caller.name()), environment, service,
                p -> POLICY.profileVolumes(p, caller.name()));
    }

    private static final Caller ALICE = new Caller("alice", Set.of(), false);
    private static final Caller BOB = new Caller("bob", Set.of("cpsHPCAccess"), false);

    @Test
    void withoutAProfileTheDefaultOneApplies() {
        RunSettings alice = apply(ALICE, PYTORCH);
        assertThat(alice.pod().profile()).isEqualTo("standard");
        assertThat(alice.cpu()).get().hasToString("2");
        assertThat(alice.memory()).get().hasToString("4Gi");
        assertThat(alice.gpu()).isZero();
        assertThat(alice.echo()).containsEntry("profile", "standard");
        assertThat(alice.pod().volumes()).extracting(PodProfile.Volume::name).containsExactly("persist", "shared");

        assertThat(apply(BOB, PLAIN).pod().profile()).isEqualTo("cpu-basic");
    }

    @Test
    void aFixedProfileKeepsItsValues() {
        assertThat(apply(ALICE, PYTORCH, "cpu", "2000m", "memory", "4Gi").cpu()).get().hasToString("2");
        assertRejected(() -> apply(ALICE, PYTORCH, "cpu", "4"), "runtime_environment_parameters.cpu: profile 'standard' "
                + "sets cpu to 2 and does not let it change (asked for 4)");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "a100-single", "gpu", 2),
                "runtime_environment_parameters.gpu: profile 'a100-single' sets gpu to 1");
    }

    @Test
    void gpuProfilesPinToGpuNodes() {
        RunSettings single = apply(BOB, PLAIN, "profile", "a100-single");
        assertThat(single.gpu()).isEqualTo(1);
        assertThat(single.cpu()).get().hasToString("8");
        assertThat(single.pod().nodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(single.pod().tolerations()).extracting(PodProfile.Toleration::key).containsExactly("nvidia.com/gpu");
    }

    @Test
    void customValuesStayWithinTheLargestLimit() {
        RunSettings custom = apply(BOB, PLAIN, "profile", "custom", "cpu", "16", "memory", "128Gi", "gpu", 2);
        assertThat(custom.cpu()).get().hasToString("16");
        assertThat(custom.gpu()).isEqualTo(2);
        assertThat(apply(BOB, PLAIN, "profile", "custom").cpu()).as("the profile's value is the default").get()
                .hasToString("8");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "custom", "cpu", "17"),
                "runtime_environment_parameters.cpu: 17 is more than your limit of 16");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "custom", "memory", "129Gi"),
                "runtime_environment_parameters.memory: 129Gi is more than your limit of 128Gi");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "custom", "gpu", 3),
                "runtime_environment_parameters.gpu: 3 is more than your limit of 2");
    }

    @Test
    void profilesOfOtherGroupsAreNotYours() {
        assertRejected(() -> apply(ALICE, PYTORCH, "profile", "a100-dual"),
                "runtime_environment_parameters.profile: 'a100-dual' is not one of your profiles (yours: standard)");
        assertRejected(() -> apply(ALICE, PYTORCH, "profile", "x".repeat(5000)), "...' is not one of your profiles");
    }

    @Test
    void imagesAreCheckedAgainstTheProfileAndTheGroupsRules() {
        assertThat(apply(BOB, PLAIN, "profile", "custom", "image", "nvcr.io/nvidia/pytorch:24.10-py3").pod().image())
                .isEqualTo("nvcr.io/nvidia/pytorch:24.10-py3");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "custom", "image", "nvcr.io/nvidia/pytorch"),
                "runtime_environment_parameters.image: 'nvcr.io/nvidia/pytorch' (registry nvcr.io) is not allowed: "
                        + "custom images must match ^.+:.+$");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "custom", "image", "Not/An Image"),
                "runtime_environment_parameters.image: 'Not/An Image' is not an image reference");
        assertRejected(() -> apply(BOB, PLAIN, "profile", "cpu-basic", "image", "python:3.11"),
                "runtime_environment_parameters.image: 'python:3.11' cannot run with profile 'cpu-basic'");
        assertRejected(() -> apply(ALICE, PYTORCH, "image", "python:3.11"),
                "runtime_environment_parameters.image: 'python:3.11' cannot run with profile 'standard', which runs "
                        + "the runtime environment's image");
        assertRejected(() -> apply(ALICE, PLAIN), "runtime_environment_name: environment 'default' "
                + "(notebook-jobs/executor:0.1.0) cannot run with profile 'standard', which allows pytorch");
    }

    @Test
    void aProfileWithSeveralImagesLetsTheRequestPickOne() {
        GroupPolicy pinned = GroupPolicy.parse("""
                profiles: {two: {images: ['quay.io/a/one:1', 'quay.io/a/two:2']}}
                everyone: {profiles: [two]}
                """, "test");
        Caller anyone = new Caller("x", Set.of(), false);
        java.util.function.Function<Object[], RunSettings> run = kv -> {
            Map<String, Object> params = new HashMap<>();
            for (int i = 0; i < kv.length; i += 2) {
                params.put((String) kv[i], kv[i + 1]);
            }
            return ProfileRules.apply(RuntimeParameters.read(params, null, null, service),
                    pinned.grantsFor(anyone, "x"), new Environment("one", "quay.io/a/one:1", "", false, Map.of()),
                    service, p -> java.util.List.of());
        };
        assertThat(run.apply(new Object[] { "image", "quay.io/a/two:2" }).pod().image()).isEqualTo("quay.io/a/two:2");
        assertThat(run.apply(new Object[] {}).pod().image()).as("the environment's").isNull();
        assertRejected(() -> run.apply(new Object[] { "image", "quay.io/a/three:3" }),
                "cannot run with profile 'two', which allows quay.io/a/one:1, quay.io/a/two:2");
    }

    @Test
    void anEnvironmentThatNeedsAGpuNeedsAProfileWithOne() {
        assertRejected(() -> apply(BOB, NEEDS_GPU), "runtime_environment_name: environment 'cuda' needs a GPU");
        assertThat(apply(BOB, NEEDS_GPU, "profile", "a100-single").gpu()).isEqualTo(1);
    }

    @Test
    void withoutAPolicyProfilesAndImagesAreRefused() {
        RuntimeParameters.Requested req = RuntimeParameters.read(Map.of("profile", "gpu"), null, null, service);
        assertRejected(() -> ProfileRules.apply(req, io.notebookjobs.policy.Grants.OPEN, PLAIN, service, p -> java.util.List.of()),
                "runtime_environment_parameters.profile: 'gpu': this service has no profiles");
        RuntimeParameters.Requested image = RuntimeParameters.read(Map.of("image", "python:3.11"), null, null, service);
        assertRejected(() -> ProfileRules.apply(image, io.notebookjobs.policy.Grants.OPEN, PLAIN, service, p -> java.util.List.of()),
                "runtime_environment_parameters.image: 'python:3.11': custom images are not allowed here");
        RuntimeParameters.Requested plain = RuntimeParameters.read(Map.of("cpu", "3"), null, null, service);
        RunSettings settings = ProfileRules.apply(plain, io.notebookjobs.policy.Grants.OPEN, PLAIN, service,
                p -> java.util.List.of());
        assertThat(settings.cpu()).get().hasToString("3");
        assertThat(settings.pod()).isEqualTo(PodProfile.NONE);
        assertThat(settings.echo()).doesNotContainKey("profile");
    }

    private static void assertRejected(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(ApiException.class).hasMessageContaining(message)
                .extracting(e -> ((ApiException) e).status()).isEqualTo(400);
    }
}
