package io.notebookjobs.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.notebookjobs.identity.Caller;
import io.notebookjobs.model.PodProfile;
import io.notebookjobs.model.Quantity;

class GroupPolicyTest {

    /** The example policy shipped with the deployment and the local stack. */
    static final Path EXAMPLE = Path.of("k8s/components/group-policy/policy.yaml");

    private final GroupPolicy policy = GroupPolicy.read(EXAMPLE);

    private static Caller user(String name, String... groups) {
        return new Caller(name, Set.of(groups), false);
    }

    @Test
    void regularUsersGetTheStandardProfileAndItsLimits() {
        Grants grants = policy.grantsFor(user("alice"), "alice");
        assertThat(grants.profiles()).extracting(Profile::name).containsExactly("standard");
        assertThat(grants.defaultProfile()).contains("standard");
        assertThat(grants.limits().maxCpu()).contains(q("2"));
        assertThat(grants.limits().maxMemory()).contains(q("4Gi"));
        assertThat(grants.limits().maxGpu()).contains(0);
        assertThat(grants.limits().customImages()).isFalse();
        assertThat(grants.volumes()).containsExactly(
                new PodProfile.Volume("persist", "jhub-userdir-rwx", "/home/jovyan/Persist", false, "alice"),
                new PodProfile.Volume("shared", "jhub-shared-rwx", "/home/jovyan/Shared", true, null));
    }

    @Test
    void aUserInSeveralGroupsGetsTheUnionOfProfilesAndTheLargestLimits() {
        Grants grants = policy.grantsFor(user("bob", "cpsHPCAccess", "unrelated"), "bob");
        assertThat(grants.profiles()).extracting(Profile::name)
                .containsExactly("standard", "cpu-basic", "a100-single", "a100-dual", "custom");
        assertThat(grants.defaultProfile()).as("the group's default is more specific than everyone's").contains("cpu-basic");
        assertThat(grants.limits().maxCpu()).contains(q("16"));
        assertThat(grants.limits().maxMemory()).contains(q("128Gi"));
        assertThat(grants.limits().maxGpu()).contains(2);
        assertThat(grants.limits().customImages()).isTrue();
        assertThat(grants.volumes()).as("read-write wins when any grant gives it")
                .contains(new PodProfile.Volume("shared", "jhub-shared-rwx", "/home/jovyan/Shared", false, null));
        Profile dual = grants.profile("a100-dual").orElseThrow();
        assertThat(dual.gpu()).contains(2);
        assertThat(dual.nodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(dual.tolerations()).containsExactly(new PodProfile.Toleration("nvidia.com/gpu", "Exists", null,
                "NoSchedule", null));
    }

    @Test
    void imageRulesFollowTheGroupsThatAllowCustomImages() {
        Limits limits = policy.grantsFor(user("bob", "cpsHPCAccess"), "bob").limits();
        assertThat(limits.allowsImage(ImageReference.parse("nvcr.io/nvidia/pytorch:24.10-py3").orElseThrow())).isTrue();
        assertThat(limits.allowsImage(ImageReference.parse("quay.io/jupyter/scipy-notebook").orElseThrow()))
                .as("the pattern demands a tag").isFalse();

        GroupPolicy registries = GroupPolicy.parse("""
                profiles: {c: {custom: true}}
                groups:
                  team: {profiles: [c], limits: {custom_image: true, allowed_registries: [registry.example.org]}}
                """, "test");
        Limits team = registries.grantsFor(user("x", "team"), "x").limits();
        assertThat(team.allowsImage(ImageReference.parse("registry.example.org/ml/nb:1").orElseThrow())).isTrue();
        assertThat(team.allowsImage(ImageReference.parse("docker.io/ml/nb:1").orElseThrow())).isFalse();
        assertThat(team.allowsImage(ImageReference.parse("ml/nb:1").orElseThrow())).as("docker.io implied").isFalse();
    }

    @Test
    void noPolicyGrantsNothingBeyondTheServiceMaxima() {
        Grants open = GroupPolicy.OPEN.grantsFor(user("alice"), "alice");
        assertThat(open.policyConfigured()).isFalse();
        assertThat(open.profiles()).isEmpty();
        assertThat(open.limits().customImages()).isFalse();
    }

    @Test
    void aUserWithoutGrantsHasNoProfile() {
        GroupPolicy groupsOnly = GroupPolicy.parse("""
                profiles: {p: {cpu: "1"}}
                groups: {team: {profiles: [p]}}
                """, "test");
        assertThat(groupsOnly.grantsFor(user("x"), "x").profiles()).isEmpty();
        assertThat(groupsOnly.grantsFor(user("x"), "x").defaultProfile()).isEmpty();
        assertThat(groupsOnly.grantsFor(user("y", "team"), "y").defaultProfile()).contains("p");
    }

    @Test
    void perUserFoldersNeedANameThatIsAFolder() {
        assertThatThrownBy(() -> policy.grantsFor(user("a/b"), "a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot be a folder name");
        assertThatThrownBy(() -> policy.grantsFor(user(".."), "..")).isInstanceOf(IllegalArgumentException.class);
        assertThat(policy.grantsFor(user("anna.müller@example.org"), "anna.müller@example.org").volumes().get(0).subPath())
                .isEqualTo("anna.müller@example.org");
    }

    @Test
    void aProfilesQueueComesBeforeTheMostSpecificGroupsQueue() {
        GroupPolicy queued = GroupPolicy.parse("""
                profiles:
                  small: {cpu: '1'}
                  gpu: {gpu: 1, queue: gpu-queue}
                everyone: {profiles: [small], queue: shared-queue}
                groups:
                  ml: {profiles: [small, gpu], queue: ml-queue}
                  other: {profiles: [small]}
                """, "test");
        Grants everyone = queued.grantsFor(user("alice"), "alice");
        assertThat(everyone.queueFor(everyone.profile("small").orElseThrow())).contains("shared-queue");
        Grants ml = queued.grantsFor(user("bob", "other", "ml"), "bob");
        assertThat(ml.queueFor(ml.profile("small").orElseThrow())).as("the group's, before everyone's").contains("ml-queue");
        assertThat(ml.queueFor(ml.profile("gpu").orElseThrow())).as("the profile's own").contains("gpu-queue");
        assertThat(policy.grantsFor(user("alice"), "alice").queueFor(policy.profiles().get("standard")))
                .as("the example policy queues nothing").isEmpty();
        assertThat(queued.queuesNamed()).containsExactly("profile gpu: gpu-queue", "everyone: shared-queue",
                "group ml: ml-queue");
    }

    @Test
    void everyMistakeInTheFileIsNamed() {
        assertRejected("profiles: {p: {queue: Big_Queue}}", "profiles.p.queue: 'Big_Queue' is not a Kueue LocalQueue name");
        assertRejected("groups: {g: {queue: 'a/b'}}", "groups.g.queue: 'a/b' is not a Kueue LocalQueue name");
        assertRejected("profiles: {p: {cpus: 2}}", "Unrecognized field \"cpus\"");
        assertRejected("profiles: {p: {cpu: lots}}", "profiles.p.cpu: 'lots' is not a positive quantity");
        assertRejected("profiles: {p: {gpu: -1}}", "profiles.p.gpu");
        assertRejected("profiles: {p: {image: 'Not An Image'}}", "profiles.p.images: 'Not An Image' is not an image");
        assertRejected("profiles: {p: {image: 'a:1', images: ['b:1']}}", "give image or images, not both");
        assertRejected("profiles: {p: {overridable: [disk]}}", "profiles.p.overridable: 'disk'");
        assertRejected("profiles: {P!: {}}", "profiles.P!: names are lower case");
        assertRejected("everyone: {profiles: [nope]}", "everyone.profiles: there is no profile 'nope'");
        assertRejected("profiles: {p: {}}\ngroups: {g: {profiles: [p], default_profile: q}}",
                "groups.g.default_profile: 'q' is not one of this grant's profiles");
        assertRejected("groups: {g: {limits: {custom_image: true, image_pattern: '(['}}}",
                "groups.g.limits.image_pattern: not a regular expression");
        assertRejected("groups: {g: {limits: {image_pattern: '.*'}}}", "need custom_image: true");
        assertRejected("volumes: {v: {claim: c, mount_path: relative}}", "volumes.v.mount_path");
        assertRejected("volumes: {v: {claim: c, mount_path: /work/data}}", "/work belongs to the executor");
        assertRejected("volumes: {v: {claim: c, mount_path: /data, sub_path: '../{user}'}}", "volumes.v.sub_path");
        assertRejected("volumes: {v: {claim: c, mount_path: /data, sub_path: '{group}'}}", "volumes.v.sub_path");
        assertRejected("volumes: {v: {mount_path: /data}}", "volumes.v.claim");
        assertRejected("volumes: {V_1: {claim: c, mount_path: /data}}", "volumes.V_1: volume names");
        assertRejected("everyone: {volumes: [missing]}", "everyone.volumes: there is no volume 'missing'");
        assertRejected("default_profile: none", "default_profile: there is no profile 'none'");
        assertRejected("", "is empty");
    }

    private static void assertRejected(String yaml, String message) {
        assertThatThrownBy(() -> GroupPolicy.parse(yaml, "test")).isInstanceOf(PolicyException.class)
                .hasMessageContaining(message);
    }

    private static Quantity q(String text) {
        return Quantity.parse(text).orElseThrow();
    }
}
