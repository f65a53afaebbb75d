package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

/** Explanations of real kube-scheduler messages (texts as the scheduler writes them). */
class SchedulerMessageTest {

    private static final SchedulerMessage.Requested TWO_GPUS = new SchedulerMessage.Requested(
            Map.of("nvidia.com/gpu", "2", "cpu", "4", "memory", "16Gi"));

    @Test
    void busyGpuNodesMeanWaiting() {
        String raw = "0/5 nodes are available: 2 Insufficient nvidia.com/gpu, 3 node(s) didn't match Pod's node "
                + "affinity/selector. preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, "
                + "3 Preemption is not helpful for scheduling.";
        assertThat(SchedulerMessage.explain(raw, TWO_GPUS)).isEqualTo(
                "Waiting for 2 nvidia.com/gpu: the nodes that have it are busy, so the job starts when one frees up. "
                        + "2 nodes: not enough free nvidia.com/gpu; 3 nodes: does not match the job's node selector. "
                        + "(scheduler: " + raw + ")");
    }

    @Test
    void aRequestLargerThanEveryNodeCanNeverFit() {
        String raw = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: "
                + "3 Preemption is not helpful for scheduling.";
        assertThat(SchedulerMessage.explain(raw, TWO_GPUS))
                .startsWith("No node can ever hold this job: none has 2 nvidia.com/gpu in total.")
                .contains("3 nodes: not enough free nvidia.com/gpu.");
    }

    @Test
    void taintsAreNamed() {
        String raw = "0/2 nodes are available: 1 node(s) had untolerated taint {nvidia.com/gpu: present}, 1 node(s) had "
                + "untolerated taint {node.kubernetes.io/unreachable: }. preemption: 0/2 nodes are available: 2 Preemption "
                + "is not helpful for scheduling.";
        assertThat(SchedulerMessage.explain(raw, TWO_GPUS))
                .startsWith("Waiting for a node: none of the 2 nodes can run it yet.")
                .contains("1 node: a taint the job does not tolerate {nvidia.com/gpu: present}")
                .contains("1 node: a taint the job does not tolerate {node.kubernetes.io/unreachable: }");
    }

    @Test
    void cpuAndMemoryAreExplainedLikeGpus() {
        String raw = "0/4 nodes are available: 4 Insufficient memory. preemption: 0/4 nodes are available: 4 No "
                + "preemption victims found for incoming pod.";
        assertThat(SchedulerMessage.explain(raw, TWO_GPUS)).startsWith("Waiting for 16Gi memory:");
    }

    @Test
    void volumesAndEmptyClusters() {
        assertThat(SchedulerMessage.explain("0/3 nodes are available: 3 pod has unbound immediate PersistentVolumeClaims. "
                + "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", TWO_GPUS))
                .contains("3 nodes: a volume claim of the pod is not bound");
        assertThat(SchedulerMessage.explain("0/0 nodes are available: .", TWO_GPUS)).contains("The cluster has no nodes.");
    }

    @Test
    void unknownTextIsShownAsIs() {
        assertThat(SchedulerMessage.explain("running PreBind plugin \"VolumeBinding\": binding volumes: timed out", TWO_GPUS))
                .isEqualTo("Waiting for a node: running PreBind plugin \"VolumeBinding\": binding volumes: timed out");
    }

    // Messages of kube-scheduler v1.36.3, recorded on local-dev/sim-cluster.
    static final String V136_TOO_MANY = "0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient "
            + "nvidia.com/gpu. no new claims to deallocate, preemption: 0/5 nodes are available: 5 Preemption is not "
            + "helpful for scheduling.";
    static final String V136_BUSY = "0/5 nodes are available: 2 node(s) had untolerated taint(s), 3 Insufficient "
            + "nvidia.com/gpu. no new claims to deallocate, preemption: 0/5 nodes are available: 2 No preemption victims "
            + "found for incoming pod, 3 Preemption is not helpful for scheduling.";
    static final String V136_NO_GPU_NODE = "0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 2 node(s) had "
            + "untolerated taint(s). no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is "
            + "not helpful for scheduling.";

    @Test
    void tellsTheRealSchedulersTooManyFromBusy() {
        SchedulerMessage.Requested four = new SchedulerMessage.Requested(Map.of("nvidia.com/gpu", "4"));
        assertThat(SchedulerMessage.explain(V136_TOO_MANY, four))
                .startsWith("No node can ever hold this job: none has 4 nvidia.com/gpu in total.")
                .contains("2 nodes: a taint the job does not tolerate; 3 nodes: not enough free nvidia.com/gpu.");
        SchedulerMessage.Requested one = new SchedulerMessage.Requested(Map.of("nvidia.com/gpu", "1"));
        assertThat(SchedulerMessage.explain(V136_BUSY, one))
                .startsWith("Waiting for 1 nvidia.com/gpu: the nodes that have it are busy");
        assertThat(SchedulerMessage.explain(V136_NO_GPU_NODE, one))
                .startsWith("No node can ever hold this job: none has 1 nvidia.com/gpu in total.");
    }
}
