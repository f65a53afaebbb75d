package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;

/** Kueue's Workload conditions, as Kueue 0.17 writes them, turned into what a waiting job says. */
class KueueWaitTest {

    private static GenericKubernetesResource workload(boolean active, Map<String, Object> status) {
        GenericKubernetesResource w = new GenericKubernetesResourceBuilder().withApiVersion("kueue.x-k8s.io/v1beta2")
                .withKind("Workload").withNewMetadata().withName("job-nb-job-1-abcde").endMetadata().build();
        w.setAdditionalProperty("spec", Map.of("active", active, "queueName", "nb-small"));
        w.setAdditionalProperty("status", status);
        return w;
    }

    private static Map<String, Object> condition(String type, String status, String reason, String message) {
        return Map.of("type", type, "status", status, "reason", reason, "message", message,
                "lastTransitionTime", "2026-12-03T10:00:00Z");
    }

    private static KueueWait.Verdict verdict(GenericKubernetesResource w) {
        return KueueWait.of("nb-small", Optional.of(KueueWorkload.of(w)));
    }

    @Test
    void quotaPendingNamesTheResourceThatIsShort() {
        String message = "couldn't assign flavors to pod set main: insufficient unused quota for cpu in flavor "
                + "default-flavor, 200m more needed";
        KueueWait.Verdict v = verdict(workload(true, Map.of("conditions", List.of(
                condition("QuotaReserved", "False", "Pending", message)))));
        assertThat(v.givenUp()).isFalse();
        assertThat(v.message()).isEqualTo("Waiting in Kueue queue nb-small: " + message + ".");
    }

    @Test
    void inadmissibleAndNoDecisionYetAreToldApart() {
        assertThat(verdict(workload(true, Map.of("conditions", List.of(condition("QuotaReserved", "False",
                "Inadmissible", "ClusterQueue cq-small is inactive"))))).message())
                .isEqualTo("Kueue cannot admit the job from queue nb-small: ClusterQueue cq-small is inactive.");
        assertThat(verdict(workload(true, Map.of())).message())
                .isEqualTo("Waiting in Kueue queue nb-small (not considered for admission yet).");
        assertThat(KueueWait.of("nb-small", Optional.empty()).message())
                .isEqualTo("Waiting for Kueue to take the job into queue nb-small.");
    }

    @Test
    void quotaHeldWhileAdmissionChecksArePending() {
        KueueWait.Verdict v = verdict(workload(true, Map.of(
                "admission", Map.of("clusterQueue", "cq-gpu"),
                "admissionChecks", List.of(Map.of("name", "provisioning", "state", "Pending"),
                        Map.of("name", "budget", "state", "Ready")),
                "conditions", List.of(condition("QuotaReserved", "True", "QuotaReserved",
                        "Quota reserved in ClusterQueue cq-gpu")))));
        assertThat(v.message()).isEqualTo(
                "Kueue reserved quota in ClusterQueue cq-gpu; waiting for admission checks: provisioning (Pending).");
    }

    @Test
    void preemptionSaysWhyAndThatTheJobWaitsAgain() {
        String why = "Preempted to accommodate a workload (UID: 1, JobUID: 2) due to prioritization in the ClusterQueue";
        KueueWait.Verdict v = verdict(workload(true, Map.of("conditions", List.of(
                condition("Evicted", "True", "Preempted", why),
                condition("Preempted", "True", "InClusterQueue", why),
                condition("QuotaReserved", "False", "Pending", why)))));
        assertThat(v.givenUp()).isFalse();
        assertThat(v.message()).isEqualTo("Preempted by Kueue (" + why + "); waiting in queue nb-small to be admitted again.");
        assertThat(verdict(workload(true, Map.of("conditions", List.of(condition("Evicted", "True", "PodsReadyTimeout",
                "Exceeded the PodsReady timeout ns/job-1"))))).message()).isEqualTo("Evicted by Kueue (PodsReadyTimeout: "
                        + "Exceeded the PodsReady timeout ns/job-1); waiting in queue nb-small to be admitted again.");
    }

    @Test
    void aDeactivatedWorkloadIsFinalOnceKueueHasEvictedIt() {
        assertThat(verdict(workload(false, Map.of())).givenUp()).as("Kueue has not acted yet").isFalse();
        KueueWait.Verdict v = verdict(workload(false, Map.of("conditions", List.of(condition("Evicted", "True",
                "Deactivated", "The workload is deactivated due to exceeding the maximum number of re-queuing retries")))));
        assertThat(v.givenUp()).isTrue();
        assertThat(v.message()).isEqualTo("Kueue will not start this job: its Workload job-nb-job-1-abcde was deactivated "
                + "(Deactivated: The workload is deactivated due to exceeding the maximum number of re-queuing retries).");
    }
}
