package io.notebookjobs.identity;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

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
 * Two users of one hub never see each other's work: every read and write of alice's on bob's jobs
 * and definitions is a 404 (as if they did not exist) and changes nothing; an administrator sees
 * and manages both. Tokens are real JupyterHub tokens verified by a real hub.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(HubPolicyProfile.class)
class IsolationTest extends ServiceTest {

    private As alice;
    private As bob;
    private As carol;

    @BeforeEach
    void signIn() {
        JupyterHubServer hub = JupyterHubServer.get();
        alice = As.user(hub.token("alice"));
        bob = As.user(hub.token("bob"));
        carol = As.user(hub.token("carol"));
    }

    static Map<String, Object> job(String name, String environment) {
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("name", name);
        job.put("input_uri", "work/hello.ipynb");
        job.put("runtime_environment_name", environment);
        job.put("output_formats", List.of("ipynb", "html"));
        return job;
    }

    static Map<String, Object> definition(String name, String environment) {
        Map<String, Object> d = job(name, environment);
        d.remove("input_uri");
        d.put("schedule", "0 6 * * *");
        return d;
    }

    @Test
    void usersSeeOnlyTheirOwnJobs() {
        String mine = alice.create(job("alice report", "pytorch"));
        String theirs = bob.create(job("bob report", "default"));

        alice.get("/scheduler/jobs").statusCode(200).body("jobs.job_id", hasItems(mine))
                .body("jobs.job_id", not(hasItems(theirs))).body("jobs.owner", not(hasItems("bob")));
        bob.get("/scheduler/jobs").body("jobs.job_id", hasItems(theirs)).body("jobs.job_id", not(hasItems(mine)));
        alice.get("/scheduler/jobs?max_items=0").statusCode(200);
        alice.get("/scheduler/jobs?name=bob").body("jobs", equalTo(List.of()));
        controller.run(jobName(theirs));
        eventually().until(() -> bob.get("/scheduler/jobs/" + theirs).extract().path("status").equals("IN_PROGRESS"));
        alice.get("/scheduler/jobs/count?status=IN_PROGRESS").body("count", equalTo(0));
        bob.get("/scheduler/jobs/count?status=IN_PROGRESS").body("count", equalTo(1));

        alice.get("/scheduler/jobs/" + theirs).statusCode(404).body("message", equalTo("No job with id " + theirs));
        alice.get("/scheduler/jobs/" + theirs + "/files").statusCode(404);
        alice.get("/scheduler/jobs/" + theirs + "/files/input/hello.ipynb").statusCode(404);
        alice.get("/scheduler/jobs/" + theirs + "/download_files").statusCode(404);
        alice.get("/scheduler/jobs/" + theirs + "/logs").statusCode(404);
        alice.get("/scheduler/jobs/" + theirs + "/logs?follow=true").statusCode(404);
        alice.patch("/scheduler/jobs/" + theirs, Map.of("name", "mine now")).statusCode(404);
        alice.patch("/scheduler/jobs/" + theirs, Map.of("status", "STOPPED")).statusCode(404);
        alice.delete("/scheduler/jobs/" + theirs).statusCode(404);
        alice.given().when().delete("/scheduler/batch/jobs?job_id=" + mine + "&job_id=" + theirs).then().statusCode(204);

        alice.get("/scheduler/jobs/" + mine).statusCode(404);
        bob.get("/scheduler/jobs/" + theirs).statusCode(200).body("name", equalTo("bob report"))
                .body("status", equalTo("IN_PROGRESS")).body("owner", equalTo("bob"));
        assertThat(kubeJob(theirs)).isNotNull();
        assertThat(kubeJob(theirs).getSpec().getSuspend()).isNotEqualTo(Boolean.TRUE);
        assertThat(keys("jobs/" + theirs + "/input/")).isNotEmpty();
    }

    @Test
    void usersSeeOnlyTheirOwnDefinitions() {
        String mine = alice.createDefinition(definition("alice nightly", "pytorch"));
        String theirs = bob.createDefinition(definition("bob nightly", "default"));

        alice.get("/scheduler/job_definitions").body("job_definitions.job_definition_id", hasItems(mine))
                .body("job_definitions.job_definition_id", not(hasItems(theirs)));
        String path = "/scheduler/job_definitions/" + theirs;
        alice.get(path).statusCode(404).body("message", equalTo("No job definition with id " + theirs));
        alice.patch(path, Map.of("schedule", "0 7 * * *")).statusCode(404);
        alice.patch(path, Map.of("active", false)).statusCode(404);
        alice.post(path + "/jobs", Map.of()).statusCode(404);
        alice.delete(path).statusCode(404);
        alice.get("/scheduler/jobs?job_definition_id=" + theirs).body("jobs", equalTo(List.of()));
        assertThat(alice.post("/scheduler/jobs", Map.of()).extract().statusCode()).isEqualTo(400);
        alice.submit(Api.with(job("with their definition", "pytorch"), "job_definition_id", theirs)).statusCode(400)
                .body("message", startsWith("job_definition_id: no job definition"));

        bob.get(path).statusCode(200).body("schedule", equalTo("0 6 * * *")).body("active", equalTo(true))
                .body("owner", equalTo("bob"));
    }

    @Test
    void inputsInTheBucketMustBeInTheCallersArea() {
        put("users/bob/secret.ipynb", Api.notebook("hello.ipynb"));
        put("users/alice/mine.ipynb", Api.notebook("hello.ipynb"));
        String theirs = bob.create(job("bob outputs", "default"));
        put("jobs/" + theirs + "/output/result.ipynb", Api.notebook("hello.ipynb"));
        String bucket = "s3://" + S3ProxyResource.BUCKET + "/";

        alice.post("/scheduler/jobs", Api.with(job("steal", "pytorch"), "input_uri", bucket + "users/bob/secret.ipynb"))
                .statusCode(400).body("message", containsString("is outside your area"))
                .body("message", containsString(bucket + "users/alice/"));
        alice.post("/scheduler/jobs", Api.with(job("steal", "pytorch"), "input_uri",
                bucket + "jobs/" + theirs + "/output/result.ipynb")).statusCode(400)
                .body("message", containsString("is outside your area"));
        alice.post("/scheduler/jobs", Api.with(job("steal", "pytorch"), "input_uri",
                bucket + "users/alice/../bob/secret.ipynb")).statusCode(400);
        alice.post("/scheduler/job_definitions", Api.with(definition("steal", "pytorch"), "input_uri",
                bucket + "users/bob/secret.ipynb")).statusCode(400).body("message", containsString("is outside your area"));
        assertThat(keys("jobs/")).allMatch(k -> k.startsWith("jobs/" + theirs + "/"));

        String ok = alice.post("/scheduler/jobs", Api.with(job("mine", "pytorch"), "input_uri",
                bucket + "users/alice/mine.ipynb")).statusCode(200).extract().path("job_id");
        assertThat(keys("jobs/" + ok + "/input/")).containsExactly("jobs/" + ok + "/input/mine.ipynb");
    }

    @Test
    void administratorsSeeAndManageEveryonesWork() {
        String a = alice.create(job("alice for admin", "pytorch"));
        String b = bob.create(job("bob for admin", "default"));
        String d = bob.createDefinition(definition("bob def for admin", "default"));

        carol.get("/scheduler/jobs").body("jobs.job_id", hasItems(a, b));
        carol.get("/scheduler/jobs?owner=bob").body("jobs.job_id", hasItems(b)).body("jobs.job_id", not(hasItems(a)))
                .body("jobs.owner", not(hasItems("alice")));
        carol.get("/scheduler/job_definitions?owner=bob").body("job_definitions.job_definition_id", hasItems(d));
        carol.get("/scheduler/jobs/" + b).statusCode(200).body("owner", equalTo("bob"));
        carol.patch("/scheduler/jobs/" + b, Map.of("name", "renamed by admin")).statusCode(204);
        bob.get("/scheduler/jobs/" + b).body("name", equalTo("renamed by admin"));

        alice.get("/scheduler/jobs?owner=bob").statusCode(403)
                .body("message", equalTo("owner: only administrators may list other users' jobs and definitions"));
        alice.get("/scheduler/job_definitions?owner=bob").statusCode(403);
        alice.get("/scheduler/jobs/count?owner=bob").statusCode(403);
        alice.get("/scheduler/jobs?owner=alice").statusCode(200).body("jobs.job_id", hasItems(a));

        String run = carol.post("/scheduler/job_definitions/" + d + "/jobs", Map.of()).statusCode(200).extract()
                .path("job_id");
        bob.get("/scheduler/jobs/" + run).statusCode(200).body("owner", equalTo("bob"));
        carol.delete("/scheduler/job_definitions/" + d).statusCode(204);
        eventually().until(() -> bob.get("/scheduler/job_definitions/" + d).extract().statusCode() == 404);
        carol.delete("/scheduler/jobs/" + a).statusCode(204);
        alice.get("/scheduler/jobs/" + a).statusCode(404);
    }

    @Test
    void jobsFromBeforeIdentityStayVisibleToAdministrators() {
        // What the service made in auth mode none: owned by the old default owner.
        io.fabric8.kubernetes.api.model.batch.v1.Job legacy = Api.legacyJob("anonymous");
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).resource(legacy).create();
        String id = legacy.getMetadata().getLabels().get("scheduler.jupyter.org/job-id");
        eventually().until(() -> carol.get("/scheduler/jobs/" + id).extract().statusCode() == 200);
        carol.get("/scheduler/jobs?owner=anonymous").body("jobs.job_id", hasItems(id));
        alice.get("/scheduler/jobs/" + id).statusCode(404);
    }

    @Test
    void requestsWithoutAVerifiedUserAreRefused() {
        given().when().get("/scheduler/jobs").then().statusCode(401)
                .body("message", equalTo("sign in: send Authorization: token <JupyterHub API token>"));
        given().header("Authorization", "Basic YWxpY2U6eA==").when().get("/scheduler/jobs").then().statusCode(401)
                .body("message", containsString("must be Authorization: token"));
        given().header("Authorization", "token not-a-real-token").when().get("/scheduler/jobs").then().statusCode(401)
                .body("message", containsString("JupyterHub does not accept this token"));
        given().header("X-Forwarded-User", "bob").when().get("/scheduler/jobs").then().statusCode(401);
        given().when().post("/scheduler/jobs").then().statusCode(401);
        JupyterHubServer.HubToken noScope = JupyterHubServer.get().token("alice", List.of("users:activity!user"));
        given().header("Authorization", "Bearer " + noScope.token()).when().get("/scheduler/jobs").then()
                .statusCode(401).body("message", containsString("lacks the scope access:services!service=notebook-jobs"));

        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/openapi").then().statusCode(200);
        given().when().get("/q/metrics").then().statusCode(200);
        given().header("Authorization", alice.authorization().replace("token ", "Bearer ")).when()
                .get("/scheduler/jobs").then().statusCode(200);
    }
}
