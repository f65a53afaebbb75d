package io.notebookjobs.jobs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.FakeKueue;
import io.notebookjobs.testing.KueueProfile;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Jobs of a profile that names a Kueue LocalQueue: submitted suspended with the queue-name label,
 * QUEUED with Kueue's own reason while they wait, running once admitted; stopped, failed at the
 * scheduling timeout and deleted through their Workload, never by fighting Kueue over
 * {@code spec.suspend}. Kueue here is {@link FakeKueue}; KueueE2EIT runs the real one.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(KueueProfile.class)
class KueueQueueTest extends ServiceTest {

    static final String SHORT_OF_CPU = "couldn't assign flavors to pod set main: insufficient unused quota for cpu in "
            + "flavor default-flavor, 200m more needed";

    private FakeKueue kueue;

    @BeforeEach
    void startKueue() {
        kueue = FakeKueue.start(k8s(), NAMESPACE);
    }

    @AfterEach
    void stopKueue() {
        kueue.close();
    }

    private static Map<String, Object> queuedBody(String name) {
        return Api.with(Api.with(Api.createJob(name), "runtime_environment_parameters", Map.of()), "parameters", Map.of());
    }

    private String queuedJob(String name) {
        String id = Api.submit(queuedBody(name));
        eventually().until(() -> kueue.workloadOf(jobName(id)).isPresent());
        return id;
    }

    @Test
    void aQueuedProfileSubmitsTheJobSuspendedToItsQueueAndKueueStartsIt() {
        String id = queuedJob("queued");
        Job job = kubeJob(id);
        assertThat(job.getMetadata().getLabels()).containsEntry(Labels.KUEUE_QUEUE_NAME, "nb-small");
        assertThat(job.getSpec().getSuspend()).as("created suspended, for Kueue to admit").isTrue();
        assertThat(job.getMetadata().getAnnotations()).doesNotContainKey(Labels.CREATING);
        assertThat(controller.pods(jobName(id))).isEmpty();

        kueue.pending(jobName(id), SHORT_OF_CPU);
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED"))
                .body("status_message", equalTo("Waiting in Kueue queue nb-small: " + SHORT_OF_CPU + ".")));
        // No scheduling timeout runs while Kueue holds the job back.
        clock.advance(Duration.ofMinutes(20));
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED")));

        clock.reset();
        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        controller.succeed(jobName(id), null);
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
        assertThat(kueue.resumedAgainstSuspend.get()).isZero();
    }

    @Test
    void oneJobsDescriptionTellsItsPlaceInTheQueueFromKueuesVisibilityApi() {
        String first = queuedJob("first in line");
        String second = queuedJob("second in line");
        kueue.pending(jobName(first), SHORT_OF_CPU);
        kueue.pending(jobName(second), SHORT_OF_CPU);
        String firstWorkload = kueue.workloadOf(jobName(first)).orElseThrow().getMetadata().getName();
        String secondWorkload = kueue.workloadOf(jobName(second)).orElseThrow().getMetadata().getName();
        server.expect().get().withPath("/apis/visibility.kueue.x-k8s.io/v1beta2/namespaces/test/localqueues/nb-small/"
                + "pendingworkloads").andReturn(200, Map.of("kind", "PendingWorkloadsSummary", "items", java.util.List.of(
                        Map.of("metadata", Map.of("name", firstWorkload), "positionInLocalQueue", 0,
                                "positionInClusterQueue", 0),
                        Map.of("metadata", Map.of("name", secondWorkload), "positionInLocalQueue", 1,
                                "positionInClusterQueue", 3))))
                .once();
        server.expect().get().withPath("/apis/visibility.kueue.x-k8s.io/v1beta2/namespaces/test/localqueues/nb-small/"
                + "pendingworkloads").andReturn(404, Map.of("kind", "Status", "code", 404)).always();
        String waiting = "Waiting in Kueue queue nb-small: " + SHORT_OF_CPU + ".";
        eventually().untilAsserted(() -> Api.get(second).body("status_message", startsWith(waiting)));
        Api.get(second).body("status_message", equalTo(waiting + " Position 2 in the queue."));
        // One read of the queue serves its jobs for a while.
        Api.get(first).body("status_message", equalTo(waiting + " Position 1 in the queue."));
        // Lists never ask the cluster.
        given().queryParam("max_items", 10).when().get("/scheduler/jobs").then()
                .body("jobs.find { it.job_id == '" + second + "' }.status_message", equalTo(waiting));
        // Once the API stops answering, the message simply has no position.
        clock.advance(Duration.ofSeconds(6));
        Api.get(second).body("status_message", equalTo(waiting));
    }

    @Test
    void anotherProfileStartsAtOnceWithoutAQueue() {
        String id = Api.submit(Api.with(queuedBody("direct"), "runtime_environment_parameters", Map.of("profile", "direct")));
        Job job = kubeJob(id);
        assertThat(job.getMetadata().getLabels()).doesNotContainKey(Labels.KUEUE_QUEUE_NAME);
        assertThat(job.getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
    }

    @Test
    void aJobWithAnEnvSecretIsLeftForKueueToResumeAfterItsCreate() {
        kueue.holdWorkloads();
        String id = Api.submit(Api.with(queuedBody("with env"), "runtime_environment_parameters",
                Map.of("env.TOKEN", "s3cr3t")));
        Job job = kubeJob(id);
        assertThat(job.getMetadata().getAnnotations()).doesNotContainKey(Labels.CREATING);
        assertThat(job.getSpec().getSuspend()).as("the create's last write leaves suspend to Kueue").isTrue();
        assertThat(k8s().secrets().inNamespace(NAMESPACE).withName(Labels.envSecretName(jobName(id))).get())
                .isNotNull();
        kueue.createWorkload(jobName(id));
        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
    }

    @Test
    void beforeKueueHasAWorkloadAndWhenItCannotAdmitTheJobSaysSo() {
        kueue.holdWorkloads();
        String id = Api.submit(queuedBody("no workload yet"));
        Api.get(id).body("status", equalTo("QUEUED"))
                .body("status_message", equalTo("Waiting for Kueue to take the job into queue nb-small."));
        kueue.createWorkload(jobName(id));
        eventually().untilAsserted(() -> Api.get(id)
                .body("status_message", equalTo("Waiting in Kueue queue nb-small (not considered for admission yet).")));
        kueue.inadmissible(jobName(id), "LocalQueue nb-small doesn't exist");
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED")).body("status_message",
                equalTo("Kueue cannot admit the job from queue nb-small: LocalQueue nb-small doesn't exist.")));
    }

    @Test
    void aPreemptedJobWaitsAgainAndRunsWhenReadmitted() {
        String id = queuedJob("preempted");
        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));

        String why = "Preempted to accommodate a workload (UID: 4d2c, JobUID: 9a1f) due to prioritization in the "
                + "ClusterQueue";
        kueue.preempt(jobName(id), why);
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED")).body("status_message",
                equalTo("Preempted by Kueue (" + why + "); waiting in queue nb-small to be admitted again.")));
        eventually().until(() -> controller.pods(jobName(id)).stream()
                .allMatch(p -> "Failed".equals(p.getStatus().getPhase()) || "Succeeded".equals(p.getStatus().getPhase())));

        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> controller.pods(jobName(id)).stream().anyMatch(p -> p.getStatus().getPhase() == null
                || "Pending".equals(p.getStatus().getPhase())));
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        controller.succeed(jobName(id), null);
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
    }

    @Test
    void stoppingARunningJobDeactivatesItsWorkloadInsteadOfSuspendingTheJob() {
        String id = queuedJob("stopped while running");
        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));

        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);
        eventually().until(() -> !kueue.isActive(jobName(id)));
        eventually().until(() -> Api.status(id).equals("STOPPED"));
        assertThat(kubeJob(id).getSpec().getSuspend()).as("suspended by Kueue after the deactivation").isTrue();
        assertThat(kueue.resumedAgainstSuspend.get()).as("Kueue never had to undo a suspend").isZero();
        assertThat(kubeJob(id).getMetadata().getAnnotations()).containsKey(Labels.OUTCOME);
    }

    @Test
    void aJobStoppedBeforeKueueMadeItsWorkloadIsDeactivatedOnceItAppears() {
        kueue.holdWorkloads();
        String id = Api.submit(queuedBody("stopped early"));
        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);
        eventually().until(() -> Api.status(id).equals("STOPPED"));
        kueue.createWorkload(jobName(id));
        eventually().until(() -> !kueue.isActive(jobName(id)));
        assertThat(controller.pods(jobName(id))).isEmpty();
    }

    @Test
    void theSchedulingTimeoutCountsFromAdmissionAndThenDeactivatesTheWorkload() {
        String id = queuedJob("times out after admission");
        kueue.pending(jobName(id), SHORT_OF_CPU);
        clock.advance(Duration.ofMinutes(30)); // waiting in the queue does not count
        eventually().untilAsserted(() -> Api.get(id).body("status", equalTo("QUEUED")));
        clock.reset();

        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
        controller.unschedulable(jobName(id), "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes "
                + "are available: 3 No preemption victims found for incoming pod.");
        clock.advance(Duration.ofSeconds(301));
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", startsWith("Not started within the scheduling timeout of 300 s"));
        eventually().until(() -> !kueue.isActive(jobName(id)));
        eventually().until(() -> Boolean.TRUE.equals(kubeJob(id).getSpec().getSuspend()));
        assertThat(kueue.resumedAgainstSuspend.get()).isZero();
    }

    @Test
    void aWorkloadDeactivatedByOthersFailsTheJob() {
        String id = queuedJob("given up");
        kueue.pending(jobName(id), SHORT_OF_CPU);
        kueue.deactivate(jobName(id));
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", startsWith("Kueue will not start this job: its Workload job-"))
                .body("status_message", org.hamcrest.Matchers.endsWith(
                        " was deactivated (Deactivated: The workload is deactivated)."));
    }

    @Test
    void deletingARunningJobDeactivatesItsWorkloadThenRemovesFilesAndJob() {
        String id = queuedJob("deleted while running");
        kueue.admit(jobName(id), "cq-small");
        eventually().until(() -> !controller.pods(jobName(id)).isEmpty());
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));

        given().when().delete("/scheduler/jobs/" + id).then().statusCode(204);
        eventually().until(() -> kubeJob(id) == null);
        assertThat(kueue.resumedAgainstSuspend.get()).isZero();
        eventually().until(() -> keys("jobs/" + id + "/").isEmpty());
    }

    @Test
    void aDefinitionsRunsGoToTheQueueToo() {
        String definitionId = Api.submitDefinition(Api.with(Api.with(
                Api.createDefinition("queued nightly", "0 3 * * *", "UTC"), "runtime_environment_parameters", Map.of()),
                "parameters", Map.of()));
        var template = k8s().batch().v1().cronjobs().inNamespace(NAMESPACE)
                .withName(Labels.cronJobName(definitionId)).get().getSpec().getJobTemplate();
        assertThat(template.getMetadata().getLabels()).containsEntry(Labels.KUEUE_QUEUE_NAME, "nb-small");
        assertThat(template.getSpec().getSuspend()).isTrue();
    }
}
