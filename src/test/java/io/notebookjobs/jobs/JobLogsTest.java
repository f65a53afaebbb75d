package io.notebookjobs.jobs;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * GET /scheduler/jobs/{id}/logs and a running job's progress, against the fabric8 mock (which
 * answers a pod's log only as told) and a real S3 server for the saved log. Following a live log
 * runs on the simulated cluster (LogsE2EIT).
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class JobLogsTest extends ServiceTest {

    private static final String PODS = "/api/v1/namespaces/test/pods/";
    private static final String LIVE = "10:00:01 INFO notebook_executor.execution: Running cell 2 of 3\n"
            + "10:00:01 INFO notebook_executor.cell: [cell 2] answer 42\n";

    @AfterEach
    void clearExpectations() {
        server.getKubernetesMockServer().clearExpectations();
    }

    private String running() {
        String id = Api.submit(job("logged"));
        controller.run(jobName(id));
        eventually().until(() -> Api.status(id).equals("IN_PROGRESS"));
        return id;
    }

    private String podLogPath(String id, String query) {
        return PODS + controller.currentPod(jobName(id)).getMetadata().getName() + "/log?pretty=false&container=executor"
                + query;
    }

    @Test
    void aRunningJobsLogComesFromItsPodWithTail() {
        String id = running();
        server.expect().get().withPath(podLogPath(id, "&tailLines=2")).andReturn(200, LIVE).always();

        given().when().get("/scheduler/jobs/" + id + "/logs?tail=2").then().statusCode(200)
                .contentType(startsWith("text/plain")).body(equalTo(LIVE));
    }

    @Test
    void aRunningJobShowsWhichCellItRunsAndTheLogIsReadAtMostEveryFewSeconds() {
        String id = running();
        server.expect().get().withPath(podLogPath(id, "&tailLines=200")).andReturn(200, LIVE).always();

        // Waiting for IN_PROGRESS asked already, before the pod had this log: that answer is kept a few seconds.
        clock.advance(Duration.ofSeconds(6));
        Api.get(id).statusCode(200).body("status", equalTo("IN_PROGRESS"))
                .body("status_message", org.hamcrest.Matchers.matchesPattern("Running cell 2 of 3, \\d+ s in"));
        int reads = server.getKubernetesMockServer().getRequestCount();
        Api.get(id).statusCode(200);
        Api.get(id).statusCode(200);
        org.assertj.core.api.Assertions.assertThat(server.getKubernetesMockServer().getRequestCount())
                .as("requests to the API server for two more reads").isEqualTo(reads);
        // The list never asks the cluster for progress.
        given().when().get("/scheduler/jobs").then().statusCode(200);
        org.assertj.core.api.Assertions.assertThat(server.getKubernetesMockServer().getRequestCount()).isEqualTo(reads);
    }

    @Test
    void anEndedJobsLogIsTheSavedCopyWithTailAndSince() {
        String id = Api.submit(job("ended"));
        controller.run(jobName(id));
        controller.succeed(jobName(id), "Notebook ran.");
        eventually().until(() -> Api.status(id).equals("COMPLETED"));
        // Its pod is gone (deleted with its node, or by the garbage collector).
        k8s().pods().inNamespace(NAMESPACE).withLabel("batch.kubernetes.io/job-name", jobName(id)).delete();
        eventually().until(() -> controller.pods(jobName(id)).isEmpty());
        String old = clock.instant().minus(Duration.ofHours(1)).toString().replaceAll("\\.\\d+Z$", "Z");
        String recent = clock.instant().minusSeconds(5).toString().replaceAll("\\.\\d+Z$", "Z");
        put("jobs/" + id + "/logs/executor.log", (old + " INFO notebook_executor: Job started\n"
                + old + " INFO notebook_executor.cell: [cell 1] early\n"
                + "  a continued line\n"
                + recent + " INFO notebook_executor: Exit 0: Notebook ran.\n").getBytes(StandardCharsets.UTF_8));

        given().when().get("/scheduler/jobs/" + id + "/logs").then().statusCode(200)
                .body(startsWith(old + " INFO notebook_executor: Job started\n"));
        given().when().get("/scheduler/jobs/" + id + "/logs?tail=2").then().statusCode(200)
                .body(equalTo("  a continued line\n" + recent + " INFO notebook_executor: Exit 0: Notebook ran.\n"));
        given().when().get("/scheduler/jobs/" + id + "/logs?since=60").then().statusCode(200)
                .body(equalTo(recent + " INFO notebook_executor: Exit 0: Notebook ran.\n"));
        // Following an ended job's log is just its log.
        given().when().get("/scheduler/jobs/" + id + "/logs?follow=true&tail=1").then().statusCode(200)
                .body(equalTo(recent + " INFO notebook_executor: Exit 0: Notebook ran.\n"));
        Api.get(id).body("status_message", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aJobWithoutAnyLogIsA404ThatSaysWhy() {
        String id = Api.submit(job("waiting"));
        given().when().get("/scheduler/jobs/" + id + "/logs").then().statusCode(404)
                .body("message", equalTo("Job " + id + " has no log yet: its pod has not started"));
        given().when().get("/scheduler/jobs/no-such-job/logs").then().statusCode(404)
                .body("message", equalTo("No job with id no-such-job"));
    }

    @Test
    void badParametersAreA400NamingTheParameter() {
        String id = Api.submit(job("bad parameters"));
        given().when().get("/scheduler/jobs/" + id + "/logs?tail=-1").then().statusCode(400)
                .body("message", startsWith("tail: must be between 0 and"));
        given().when().get("/scheduler/jobs/" + id + "/logs?tail=100001").then().statusCode(400)
                .body("message", equalTo("tail: must be between 0 and 100000 lines"));
        given().when().get("/scheduler/jobs/" + id + "/logs?since=0").then().statusCode(400)
                .body("message", equalTo("since: must be a number of seconds, at least 1"));
        given().when().get("/scheduler/jobs/" + id + "/logs?since=soon").then().statusCode(400)
                .body("message", equalTo("since: 'soon' is not a whole number"));
        given().when().get("/scheduler/jobs/" + id + "/logs?follow=yes").then().statusCode(400)
                .body("message", equalTo("follow: must be true or false, not 'yes'"));
    }
}
