package io.notebookjobs.jobs;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** A job's life through the API: queued, running, completed or failed, stopped, renamed, deleted. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class JobLifecycleTest extends ServiceTest {

    @jakarta.inject.Inject
    io.notebookjobs.kube.Leader leader;

    @Test
    void runsToCompletionAndRecordsItsOutcomeOnTheJob() {
        String id = Api.submit(job("to completion"));
        assertThat(Api.status(id)).isEqualTo("QUEUED");

        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        Api.get(id).body("start_time", notNullValue()).body("end_time", nullValue());

        controller.succeed(jobName(id), "Notebook hello.ipynb ran in 1 s; wrote ipynb, html.");
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
        Api.get(id).body("end_time", notNullValue())
                .body("status_message", nullValue());

        // The reconciler writes the outcome back, so history survives pod garbage collection.
        eventually().until(() -> kubeJob(id).getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
        Job job = kubeJob(id);
        assertThat(job.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/status", "COMPLETED");
        controller.pods(jobName(id)).forEach(p -> k8s().pods().inNamespace(NAMESPACE).withName(p.getMetadata().getName()).delete());
        eventually().until(() -> controller.pods(jobName(id)).isEmpty());
        Api.get(id).body("status", equalTo("COMPLETED")).body("start_time", notNullValue());
    }

    @Test
    void theReplicaLeadsThroughTheLeaseAndOnlyTheLeaderWritesOutcomes() {
        eventually().until(() -> leader.isLeader());
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo(leader.identity());
        try {
            // Another replica holds the lease (this one's renewals stopped reaching the API):
            // this replica stops leading within the renew deadline and decides nothing.
            leaseToAnotherReplica();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> !leader.isLeader());
            String id = Api.submit(job("led"));
            controller.run(jobName(id));
            controller.succeed(jobName(id), "Notebook ran.");
            org.awaitility.Awaitility.await().during(java.time.Duration.ofSeconds(2)).atMost(java.time.Duration.ofSeconds(4))
                    .until(() -> !kubeJob(id).getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
            // The API shows the Job's own conditions meanwhile.
            Api.get(id).body("status", equalTo("COMPLETED"));

            // The other replica's lease runs out: this one leads again and catches up at once.
            expireLease();
            eventually().until(() -> leader.isLeader());
            eventually().until(() -> kubeJob(id).getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
        } finally {
            expireLease();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> leader.isLeader());
        }
    }

    private io.fabric8.kubernetes.api.model.coordination.v1.Lease lease() {
        return k8s().leases().inNamespace(NAMESPACE).withName("notebook-jobs-leader").get();
    }

    /**
     * Edits the Lease as another replica would: a renewal by this one between the read and the
     * write is a 409 (as on the API server), and the edit is tried again on the renewed Lease.
     */

    private void expireLease() {
        expireLeaseUnlessHeldBy(leader.identity());
    }

    @Test
    void aFailingNotebookShowsTheExecutorsMessageAndExitCode() {
        String id = Api.submit(job("cell error"));
        controller.run(jobName(id));
        controller.fail(jobName(id), 1, "Error", "Cell 2 raised ValueError: bad region. Outputs up to that cell were uploaded.");
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message",
                equalTo("Cell 2 raised ValueError: bad region. Outputs up to that cell were uploaded. (exit code 1)"))
                .body("end_time", notNullValue());
    }

    @Test
    void outOfMemoryIsExplainedWithTheLimit() {
        String id = Api.submit(job("oom"));
        controller.run(jobName(id));
        controller.fail(jobName(id), 137, "OOMKilled", null);
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", containsString("Out of memory"))
                .body("status_message", containsString("1Gi"));
    }

    @Test
    void anEvictedPodIsReplacedWithoutUsingUpARetry() {
        String id = Api.submit(job("evicted"));
        controller.run(jobName(id));
        controller.evict(jobName(id), "The node was low on resource: memory.");
        eventually().until(() -> Api.status(id).equals("QUEUED"));
        Api.get(id).body("status_message", equalTo("Restarting: The pod was evicted by its node: The node was low on "
                + "resource: memory. This does not count as a failed attempt."));
        controller.run(jobName(id));
        controller.succeed(jobName(id), "Notebook ran.");
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
    }

    @Test
    void aCellErrorIsNotRetried() {
        String id = Api.submit(Api.with(job("not retried"), "max_retries", 2));
        controller.run(jobName(id));
        controller.fail(jobName(id), 1, "Error", "Cell 2 raised ValueError: bad region.");
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", equalTo("Cell 2 raised ValueError: bad region. (exit code 1)"));
        assertThat(controller.pods(jobName(id))).hasSize(1);
    }

    @Test
    void exceedingTheMaximumRunTimeIsExplained() {
        String id = Api.submit(Api.with(job("too long"), "timeout_seconds", 60));
        assertThat(kubeJob(id).getSpec().getActiveDeadlineSeconds()).isEqualTo(60 + 300 + 300);
        controller.run(jobName(id));
        controller.deadlineExceeded(jobName(id));
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", containsString("maximum run time"));
    }

    @Test
    void retriesAreQueuedWithThePreviousFailureThenFail() {
        String id = Api.submit(Api.with(job("retried"), "max_retries", 1));
        assertThat(kubeJob(id).getSpec().getBackoffLimit()).isEqualTo(1);
        controller.run(jobName(id));
        controller.fail(jobName(id), 3, "Error", "Cannot reach S3 at http://minio:9000.");
        eventually().until(() -> Api.status(id).equals("QUEUED"));
        Api.get(id).body("status_message", containsString("Retrying: attempt 1 of 2 failed. Cannot reach S3"));
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        controller.fail(jobName(id), 3, "Error", "Cannot reach S3 at http://minio:9000.");
        eventually().until(() -> Api.status(id).equals("FAILED"));
        Api.get(id).body("status_message", containsString("Failed after 2 attempts"));
    }

    @Test
    void stopSuspendsTheJobDeletesItsPodAndEndsStopped() {
        String id = Api.submit(job("to stop"));
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));

        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);

        Job job = kubeJob(id);
        assertThat(job.getSpec().getSuspend()).isTrue();
        assertThat(job.getMetadata().getAnnotations()).containsKey("scheduler.jupyter.org/stop-requested");
        eventually().until(() -> controller.pods(jobName(id)).isEmpty());
        eventually().until(() -> Api.status(id).equals("STOPPED"));
        Api.get(id).body("end_time", notNullValue()).body("status_message", equalTo("Stopped by the user."));
        eventually().until(() -> kubeJob(id).getMetadata().getLabels().containsKey("scheduler.jupyter.org/status"));

        // Stopping again is harmless; a finished job cannot be stopped.
        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);
    }

    @Test
    void aCompletedJobCannotBeStopped() {
        String id = Api.submit(job("done"));
        controller.run(jobName(id));
        controller.succeed(jobName(id), "ok");
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(409)
                .body("message", containsString("already COMPLETED"));
    }

    @Test
    void aJobSuspendedBySomeoneElseIsQueuedNotStopped() {
        String id = Api.submit(job("kueue"));
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName(id))
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"spec\":{\"suspend\":true}}");
        eventually().until(() -> controller.pods(jobName(id)).isEmpty());
        assertThat(Api.status(id)).isEqualTo("QUEUED");
        clock.advance(java.time.Duration.ofMinutes(30));
        Api.get(id).body("status", equalTo("QUEUED")).body("status_message", containsString("suspended"));
    }

    @Test
    void writesPatchOnlyTheServicesFieldsAndKeepWhatOthersWrote() throws InterruptedException {
        String id = Api.submit(job("shared"));
        String path = "/apis/batch/v1/namespaces/" + NAMESPACE + "/jobs/" + jobName(id);
        // Another writer (kubectl, a policy engine, a second replica) marks the Job.
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName(id))
                .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
                        "{\"metadata\":{\"labels\":{\"team\":\"risk\"},\"annotations\":{\"example.com/note\":\"keep me\"}}}");
        var mock = server.getKubernetesMockServer();
        while (mock.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS) != null) {
            // drain what came before
        }

        given().contentType("application/json").body(Map.of("name", "renamed"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);
        given().contentType("application/json").body(Map.of("status", "STOPPED"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);
        eventually().until(() -> Api.status(id).equals("STOPPED"));
        eventually().until(() -> kubeJob(id).getMetadata().getLabels().containsKey("scheduler.jupyter.org/status"));

        // Rename, stop request and outcome: each a merge patch without a resourceVersion, never a
        // replace of a copy read earlier, so it can neither overwrite nor fail on a newer version.
        java.util.List<String> writes = new java.util.ArrayList<>();
        for (var r = mock.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS); r != null;
                r = mock.takeRequest(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            if (r.getPath().equals(path) && !r.getMethod().equals("GET") && !r.getMethod().equals("DELETE")) {
                writes.add(r.getMethod() + " " + r.getHeader("Content-Type") + " " + r.getBody().readUtf8());
            }
        }
        assertThat(writes).hasSizeGreaterThanOrEqualTo(3)
                .allMatch(w -> w.startsWith("PATCH application/merge-patch+json"))
                .noneMatch(w -> w.contains("resourceVersion"));
        Job job = kubeJob(id);
        assertThat(job.getMetadata().getLabels()).containsEntry("team", "risk");
        assertThat(job.getMetadata().getAnnotations()).containsEntry("example.com/note", "keep me");
        Api.get(id).body("name", equalTo("renamed"));
    }

    @Test
    void renameChangesTheNameAndTheUpdateTime() {
        String id = Api.submit(job("old name"));
        long created = Api.get(id).extract().<Long>path("create_time");
        clock.advance(java.time.Duration.ofSeconds(5));
        given().contentType("application/json").body(Map.of("name", "new name", "compute_type", "small"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(204);
        Api.get(id).body("name", equalTo("new name")).body("compute_type", equalTo("small"))
                .body("update_time", greaterThanOrEqualTo(created + 5000));
        assertThat(kubeJob(id).getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/name", "new_name");
        given().contentType("application/json").body(Map.of("name", "-bad"))
                .when().patch("/scheduler/jobs/" + id).then().statusCode(400)
                .body("message", containsString("name"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theEnvironmentValuesAreDeletedOnceTheOutcomeIsFinal() {
        Map<String, Object> request = job("short-lived secret");
        ((Map<String, Object>) request.get("runtime_environment_parameters")).put("env.API_TOKEN", "s3cr3t-value");
        String id = Api.submit(request);
        assertThat(k8s().secrets().inNamespace(NAMESPACE).withName(jobName(id) + "-env").get()).isNotNull();
        controller.run(jobName(id));
        controller.succeed(jobName(id), "Notebook ran.");
        eventually().until(() -> kubeJob(id).getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
        eventually().until(() -> k8s().secrets().inNamespace(NAMESPACE).withName(jobName(id) + "-env").get() == null);
        Api.get(id).body("status", equalTo("COMPLETED"));
    }

    @Test
    void deleteRemovesTheJobItsPodsSecretAndFiles() {
        Map<String, Object> request = job("to delete");
        ((Map<String, Object>) request.get("runtime_environment_parameters")).put("env.API_TOKEN", "s3cr3t-value");
        String id = Api.submit(request);
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        assertThat(keys("jobs/" + id + "/")).isNotEmpty();
        assertThat(k8s().secrets().inNamespace(NAMESPACE).withName(jobName(id) + "-env").get()).isNotNull();

        given().when().delete("/scheduler/jobs/" + id).then().statusCode(204);

        // Gone for the API at once; the leader finishes the rest without holding the request.
        Api.get(id).statusCode(404).body("message", containsString(id));
        assertThat(given().when().get("/scheduler/jobs").then().extract().<List<String>>path("jobs.job_id"))
                .doesNotContain(id);
        given().when().delete("/scheduler/jobs/" + id).then().statusCode(404);
        eventually().until(() -> kubeJob(id) == null);
        assertThat(keys("jobs/" + id + "/")).isEmpty();
        eventually().until(() -> controller.pods(jobName(id)).isEmpty());
        eventually().until(() -> k8s().secrets().inNamespace(NAMESPACE).withName(jobName(id) + "-env").get() == null);
    }

    @Test
    void aDeleteMarkedBeforeARestartIsFinishedByTheLeader() {
        String id = Api.submit(job("marked elsewhere"));
        controller.run(jobName(id));
        controller.succeed(jobName(id), "ok");
        eventually().until(() -> kubeJob(id).getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));
        // A replica marked it and died before doing anything else.
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(jobName(id)).edit(j -> {
            j.getMetadata().getAnnotations().put("scheduler.jupyter.org/delete-requested", "1");
            return j;
        });
        eventually().until(() -> kubeJob(id) == null);
        assertThat(keys("jobs/" + id + "/")).isEmpty();
    }

    @Test
    void batchDeleteRemovesEveryGivenJobAndSkipsUnknownIds() {
        String a = Api.submit(job("batch a"));
        String b = Api.submit(job("batch b"));
        given().when().delete("/scheduler/batch/jobs?job_id=" + a + "&job_id=" + b + "&job_id=unknown-id&17334")
                .then().statusCode(204);
        Api.get(a).statusCode(404);
        Api.get(b).statusCode(404);
    }

    @Test
    void countsJobsByStatus() {
        String id = Api.submit(job("counted"));
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        int running = given().when().get("/scheduler/jobs/count").then().statusCode(200).extract().path("count");
        assertThat(running).isGreaterThanOrEqualTo(1);
        int queued = given().when().get("/scheduler/jobs/count?status=queued").then().statusCode(200).extract().path("count");
        controller.succeed(jobName(id), "ok");
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
        int runningAfter = given().when().get("/scheduler/jobs/count?status=IN_PROGRESS").then().extract().path("count");
        assertThat(runningAfter).isEqualTo(running - 1);
        assertThat(queued).isGreaterThanOrEqualTo(0);
        given().when().get("/scheduler/jobs/count?status=RUNNING").then().statusCode(400)
                .body("message", containsString("status"));
    }
}
