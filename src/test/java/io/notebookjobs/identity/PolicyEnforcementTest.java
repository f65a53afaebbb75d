package io.notebookjobs.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.As;
import io.notebookjobs.testing.HubPolicyProfile;
import io.notebookjobs.testing.JupyterHubServer;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Each user gets exactly what the example group policy gives their groups, checked on the
 * Kubernetes objects the service writes: resources, image, node selector, tolerations, volumes.
 * A refused request names the field, the value and the limit, and leaves nothing behind.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(HubPolicyProfile.class)
class PolicyEnforcementTest extends ServiceTest {

    private As alice;
    private As bob;

    @BeforeEach
    void signIn() {
        JupyterHubServer hub = JupyterHubServer.get();
        alice = As.user(hub.token("alice"));
        bob = As.user(hub.token("bob"));
    }

    private static Map<String, Object> job(String name, String environment, Map<String, Object> params) {
        return Api.with(IsolationTest.job(name, environment), "runtime_environment_parameters", params);
    }

    private PodSpec pod(String jobId) {
        return kubeJob(jobId).getSpec().getTemplate().getSpec();
    }

    private static Map<String, String> mounts(Container c) {
        Map<String, String> m = new java.util.TreeMap<>();
        for (VolumeMount vm : c.getVolumeMounts()) {
            m.put(vm.getMountPath(), vm.getName() + (Boolean.TRUE.equals(vm.getReadOnly()) ? " ro" : " rw")
                    + (vm.getSubPath() == null ? "" : " " + vm.getSubPath()));
        }
        return m;
    }

    @Test
    void regularUsersRunTheStandardProfile() {
        String id = alice.create(job("standard", "pytorch", Map.of()));
        PodSpec pod = pod(id);
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo(HubPolicyProfile.PYTORCH_IMAGE);
        assertThat(c.getResources().getLimits()).containsEntry("cpu", new Quantity("2"))
                .containsEntry("memory", new Quantity("4Gi")).doesNotContainKey("nvidia.com/gpu");
        assertThat(pod.getNodeSelector()).isNullOrEmpty();
        assertThat(mounts(c)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "/work", "work rw", "/tmp", "tmp rw",
                "/home/jovyan/Persist", "v-persist rw alice",
                "/home/jovyan/Shared", "v-shared ro"));
        assertThat(pod.getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .extracting(v -> v.getName() + "=" + v.getPersistentVolumeClaim().getClaimName() + ":"
                        + v.getPersistentVolumeClaim().getReadOnly())
                .containsExactlyInAnyOrder("v-persist=jhub-userdir-rwx:null", "v-shared=jhub-shared-rwx:true");
        alice.get("/scheduler/jobs/" + id).body("runtime_environment_parameters.profile", equalTo("standard"));
    }

    @Test
    void beyondTheCallersLimitsIsA400ThatLeavesNothingBehind() {
        int jobsBefore = k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems().size();
        List<String> keysBefore = keys("jobs/");
        alice.submit(job("more cpu", "pytorch", Map.of("cpu", "4"))).statusCode(400).body("message", equalTo(
                "runtime_environment_parameters.cpu: profile 'standard' sets cpu to 2 and does not let it change (asked for 4)"));
        alice.submit(job("gpu", "pytorch", Map.of("gpu", 1))).statusCode(400)
                .body("message", startsWith("runtime_environment_parameters.gpu: profile 'standard' sets gpu to 0"));
        alice.submit(job("a100", "pytorch", Map.of("profile", "a100-single"))).statusCode(400).body("message", equalTo(
                "runtime_environment_parameters.profile: 'a100-single' is not one of your profiles (yours: standard)"));
        alice.submit(job("own image", "pytorch", Map.of("image", "nvcr.io/nvidia/pytorch:24.10-py3"))).statusCode(400)
                .body("message", startsWith("runtime_environment_parameters.image: 'nvcr.io/nvidia/pytorch:24.10-py3' "
                        + "cannot run with profile 'standard'"));
        alice.submit(job("other env", "default", Map.of())).statusCode(400)
                .body("message", startsWith("runtime_environment_name: environment 'default'"));
        bob.submit(job("too big", "default", Map.of("profile", "custom", "cpu", "17"))).statusCode(400)
                .body("message", equalTo("runtime_environment_parameters.cpu: 17 is more than your limit of 16"));
        bob.submit(job("too much memory", "default", Map.of("profile", "custom", "memory", "200Gi"))).statusCode(400)
                .body("message", equalTo("runtime_environment_parameters.memory: 200Gi is more than your limit of 128Gi"));
        bob.submit(job("three gpus", "default", Map.of("profile", "custom", "gpu", 3))).statusCode(400)
                .body("message", equalTo("runtime_environment_parameters.gpu: 3 is more than your limit of 2"));
        bob.submit(job("bad image", "default", Map.of("profile", "custom", "image", "no tag here"))).statusCode(400)
                .body("message", startsWith("runtime_environment_parameters.image: 'no tag here' is not an image reference"));
        bob.submit(job("untagged", "default", Map.of("profile", "custom", "image", "quay.io/jupyter/scipy-notebook")))
                .statusCode(400).body("message", startsWith("runtime_environment_parameters.image: "
                        + "'quay.io/jupyter/scipy-notebook' (registry quay.io) is not allowed: custom images must match ^.+:.+$"));
        alice.submitDefinition(Api.with(IsolationTest.definition("gpu nightly", "pytorch"),
                "runtime_environment_parameters", Map.of("profile", "a100-dual"))).statusCode(400);

        assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(jobsBefore);
        assertThat(k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).list().getItems())
                .noneMatch(c -> c.getMetadata().getAnnotations().toString().contains("gpu nightly"));
        assertThat(keys("jobs/")).isEqualTo(keysBefore);
    }

    @Test
    void gpuProfilesPinToGpuNodes() {
        String id = bob.create(job("dual", "default", Map.of("profile", "a100-dual")));
        PodSpec pod = pod(id);
        Container c = pod.getContainers().get(0);
        assertThat(c.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"))
                .containsEntry("cpu", new Quantity("16")).containsEntry("memory", new Quantity("64Gi"));
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getTolerations()).extracting(Toleration::getKey, Toleration::getOperator, Toleration::getEffect)
                .contains(org.assertj.core.groups.Tuple.tuple("nvidia.com/gpu", "Exists", "NoSchedule"));
        assertThat(mounts(c)).containsEntry("/home/jovyan/Shared", "v-shared rw")
                .containsEntry("/home/jovyan/Persist", "v-persist rw bob");
        assertThat(pod.getVolumes()).extracting(Volume::getName).contains("v-shared", "v-persist");
    }

    @Test
    void theCustomProfileTakesTheRequestsValuesWithinLimits() {
        String id = bob.create(job("custom", "default", Map.of("profile", "custom", "cpu", "12", "memory", "100Gi",
                "gpu", 0, "image", "nvcr.io/nvidia/pytorch:24.10-py3")));
        Container c = pod(id).getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("nvcr.io/nvidia/pytorch:24.10-py3");
        assertThat(c.getResources().getLimits()).containsEntry("cpu", new Quantity("12"))
                .containsEntry("memory", new Quantity("100Gi")).doesNotContainKey("nvidia.com/gpu");
        bob.get("/scheduler/jobs/" + id).body("runtime_environment_parameters.image",
                equalTo("nvcr.io/nvidia/pytorch:24.10-py3"));
    }

    @Test
    void definitionsAndTheirRunsKeepWhatWasAllowed() {
        String id = bob.createDefinition(Api.with(IsolationTest.definition("gpu nightly", "default"),
                "runtime_environment_parameters", Map.of("profile", "a100-single")));
        PodSpec template = k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).withName("nb-jobdef-" + id).get()
                .getSpec().getJobTemplate().getSpec().getTemplate().getSpec();
        assertThat(template.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(template.getContainers().get(0).getResources().getLimits()).containsEntry("nvidia.com/gpu",
                new Quantity("1"));

        String run = bob.post("/scheduler/job_definitions/" + id + "/jobs", Map.of()).statusCode(200).extract()
                .path("job_id");
        PodSpec pod = pod(run);
        assertThat(pod.getNodeSelector()).containsEntry("nvidia.com/gpu.present", "true");
        assertThat(pod.getContainers().get(0).getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("1"))
                .containsEntry("cpu", new Quantity("8"));
        assertThat(mounts(pod.getContainers().get(0))).containsEntry("/home/jovyan/Shared", "v-shared rw");

        bob.patch("/scheduler/job_definitions/" + id, Map.of("schedule", "0 7 * * *")).statusCode(204);
        bob.patch("/scheduler/job_definitions/" + id, Map.of("runtime_environment_parameters",
                Map.of("profile", "a100-dual"))).statusCode(204);
        assertThat(k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).withName("nb-jobdef-" + id).get().getSpec()
                .getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
                .containsEntry("nvidia.com/gpu", new Quantity("2"));
        bob.patch("/scheduler/job_definitions/" + id, Map.of("runtime_environment_parameters",
                Map.of("profile", "custom", "gpu", 5))).statusCode(400);
    }

    @Test
    void theFormLearnsProfilesLimitsAndEnvironmentsOfItsUser() {
        alice.get("/scheduler/profiles").statusCode(200)
                .body("profiles.name", equalTo(List.of("standard")))
                .body("profiles[0].cpu", equalTo("2")).body("profiles[0].memory", equalTo("4Gi"))
                .body("profiles[0].environments", equalTo(List.of("pytorch"))).body("profiles[0].images", equalTo(List.of()))
                .body("default_profile", equalTo("standard"))
                .body("limits.max_cpu", equalTo("2")).body("limits.max_gpu", equalTo(0))
                .body("limits.custom_image", equalTo(false))
                .body("user.name", equalTo("alice")).body("user.admin", equalTo(false));
        bob.get("/scheduler/profiles").statusCode(200)
                .body("profiles.name", equalTo(List.of("standard", "cpu-basic", "a100-single", "a100-dual", "custom")))
                .body("default_profile", equalTo("cpu-basic"))
                .body("limits.max_cpu", equalTo("16")).body("limits.max_memory", equalTo("128Gi"))
                .body("limits.max_gpu", equalTo(2)).body("limits.custom_image", equalTo(true))
                .body("limits.image_pattern", equalTo("^.+:.+$"))
                .body("profiles.find { it.name == 'custom' }.custom", equalTo(true))
                .body("user.groups", equalTo(List.of("cpsHPCAccess")));

        alice.get("/scheduler/runtime_environments").body("name", equalTo(List.of("pytorch")));
        bob.get("/scheduler/runtime_environments").body("name", equalTo(List.of("default", "pytorch")));
    }
}
