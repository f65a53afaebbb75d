package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The grace period, the scheduling diagnosis and the scheduling timeout, with time moved by the
 * test clock. The timer (every second in tests) drives the timeout: no Kubernetes event happens
 * after the clock moves.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class SchedulingDiagnosisTest extends ServiceTest {

    static final String BUSY_GPU = "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) had untolerated taint "
            + "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: 1 No preemption victims "
            + "found for incoming pod, 2 Preemption is not helpful for scheduling.";
    static final String TOO_MANY_GPUS = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are "
            + "available: 3 Preemption is not helpful for scheduling.";

    private String gpuJob(String name) {
        Map<String, Object> request = job(name);
        ((Map<String, Object>) request.get("runtime_environment_parameters")).put("gpu", 1);
        return Api.submit(request);
    }

    @Test
    void explainsNothingDuringTheGracePeriodThenTheSchedulersReason() {
        String id = gpuJob("gpu waits");
        controller.unschedulable(jobName(id), BUSY_GPU);

        Api.get(id).body("status", equalTo("QUEUED")).body("status_message", nullValue());
        clock.advance(Duration.ofSeconds(25));
        Api.get(id).body("status", equalTo("QUEUED")).body("status_message", nullValue());

        clock.advance(Duration.ofSeconds(6));
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED"))
                .body("status_message", startsWith("Waiting for 1 nvidia.com/gpu: the nodes that have it are busy"))
                .body("status_message", containsString("1 node: not enough free nvidia.com/gpu"))
                .body("status_message", containsString("(scheduler: 0/3 nodes are available")));
    }

    @Test
    void aRequestNoNodeCanHoldIsToldApartFromABusyGpu() {
        String id = gpuJob("gpu never fits");
        controller.unschedulable(jobName(id), TOO_MANY_GPUS);
        clock.advance(Duration.ofSeconds(31));
        // The pod's Unschedulable condition reaches the service through its informer a moment
        // after the fake controller writes it; until then the service rightly says it waits.
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED"))
                .body("status_message", startsWith("No node can ever hold this job: none has 1 nvidia.com/gpu in total")));
    }

    @Test
    void failsAtTheSchedulingTimeoutAndStopsTheJobSoItNeverStartsLater() {
        String id = gpuJob("gpu times out");
        controller.unschedulable(jobName(id), BUSY_GPU);
        clock.advance(Duration.ofSeconds(301));

        // Until the service has stopped the Job, the API says it still waits; FAILED is shown no
        // earlier than it is true: the Job is suspended (and the outcome written) in one write.
        eventually().until(() -> {
            String status = Api.status(id);
            if (!status.equals("FAILED")) {
                assertThat(status).isEqualTo("QUEUED");
                return false;
            }
            assertThat(kubeJob(id).getSpec().getSuspend()).as("suspended when FAILED is reported").isTrue();
            return true;
        });
        Api.get(id).body("status_message", startsWith("Not started within the scheduling timeout of 300 s, so the job was stopped."))
                .body("status_message", containsString("nvidia.com/gpu"));
        eventually().until(() -> controller.pods(jobName(id)).isEmpty());
        eventually().until(() -> kubeJob(id).getMetadata().getAnnotations().containsKey(Labels.OUTCOME));
        // Written back: the verdict no longer depends on the clock or on the pods.
        clock.reset();
        Api.get(id).body("status", equalTo("FAILED"));
    }

    @Test
    void imagePullErrorsAreExplainedAfterTheGracePeriodAndFailOnceTheyPersist() {
        String id = Api.submit(job("bad image"));
        controller.waiting(jobName(id), "ImagePullBackOff", "Back-off pulling image \"notebook-jobs/executor:0.1.0\"");
        Api.get(id).body("status", equalTo("QUEUED")).body("status_message", nullValue());
        clock.advance(Duration.ofSeconds(31));
        // The kubelet is still retrying: a transient registry error must not fail the job yet.
        Api.get(id).body("status", equalTo("QUEUED"))
                .body("status_message", startsWith("Cannot pull the executor image notebook-jobs/executor:0.1.0"));
        assertThat(kubeJob(id).getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
        clock.advance(Duration.ofSeconds(150));
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", startsWith("Cannot pull the executor image notebook-jobs/executor:0.1.0"));
        eventually().until(() -> Boolean.TRUE.equals(kubeJob(id).getSpec().getSuspend()));
    }

    @Test
    void aMissingSecretIsExplainedAndTheJobKeepsWaitingUntilTheTimeout() {
        String id = Api.submit(job("missing secret"));
        controller.waiting(jobName(id), "CreateContainerConfigError", "secret \"notebook-jobs-s3\" not found");
        clock.advance(Duration.ofSeconds(40));
        Api.get(id).body("status", equalTo("QUEUED"))
                .body("status_message", equalTo("The pod cannot start its container: secret \"notebook-jobs-s3\" not found"));
        clock.advance(Duration.ofSeconds(300));
        eventually().until(() -> Api.status(id).equals("FAILED"));
    }

    @Test
    void aVolumeThatCannotBeMountedIsExplained() {
        String id = Api.submit(job("volume"));
        controller.waiting(jobName(id), "ContainerCreating", null);
        controller.warn(controller.currentPod(jobName(id)), "FailedMount",
                "MountVolume.SetUp failed for volume \"data\" : persistentvolumeclaim \"data\" not found");
        clock.advance(Duration.ofSeconds(31));
        eventually().untilAsserted(() -> Api.get(id).body("status_message",
                equalTo("A volume of the pod cannot be mounted: MountVolume.SetUp failed for volume \"data\" : "
                        + "persistentvolumeclaim \"data\" not found")));
    }

    @Test
    void aPodThatIsStartingIsNotFailedByTheSchedulingTimeout() {
        String id = Api.submit(job("big image"));
        controller.waiting(jobName(id), "ContainerCreating", null);
        clock.advance(Duration.ofSeconds(400));
        Api.get(id).body("status", equalTo("QUEUED")).body("status_message", startsWith("Starting on node node-1"));
    }

    @Test
    void aPodTheControllerCannotCreateIsExplained() {
        controller.refusePods("exceeded quota: gpu-quota");
        String id = Api.submit(job("quota"));
        eventually().until(() -> hasFailedCreate(id));
        assertThat(controller.pods(jobName(id))).isEmpty();
        Api.get(id).body("status", equalTo("QUEUED")).body("status_message", nullValue());
        clock.advance(Duration.ofSeconds(31));
        eventually().untilAsserted(() -> Api.get(id).body("status_message",
                equalTo("Kubernetes cannot create the job's pod: Error creating: pods \"" + jobName(id)
                        + "-x\" is forbidden: exceeded quota: gpu-quota")));
        clock.advance(Duration.ofSeconds(300));
        eventually().until(() -> Api.status(id).equals("FAILED"));
    }

    private boolean hasFailedCreate(String id) {
        return k8s().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .anyMatch(e -> "FailedCreate".equals(e.getReason()) && jobName(id).equals(e.getInvolvedObject().getName()));
    }
}
