package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;

/** History: filters, sort_by, max_items (0 included), next_token and total_count. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class JobHistoryTest extends ServiceTest {

    private static JsonPath list(String query) {
        return given().when().get("/scheduler/jobs?" + query + "&1733412345678").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void filtersCombineAsTheContractSays() {
        String tag = "t" + System.nanoTime();
        String a = Api.submit(Api.with(Api.with(job("report alpha"), "tags", List.of(tag, "nightly")), "name", "report alpha"));
        String b = Api.submit(Api.with(job("report beta"), "tags", List.of(tag)));
        String c = Api.submit(Api.with(job("other"), "tags", List.of(tag, "nightly")));
        controller.run(jobName(a));
        eventually().until(() -> Api.status(a).equals("IN_PROGRESS"));

        assertThat(list("tags=" + tag).getList("jobs.job_id")).containsExactlyInAnyOrder(a, b, c);
        assertThat(list("tags=" + tag + "&tags=nightly").getList("jobs.job_id")).containsExactlyInAnyOrder(a, c);
        assertThat(list("tags=" + tag + "&name=report").getList("jobs.job_id")).containsExactlyInAnyOrder(a, b);
        assertThat(list("tags=" + tag + "&status=in_progress").getList("jobs.job_id")).containsExactly(a);
        assertThat(list("tags=" + tag + "&status=QUEUED").getList("jobs.job_id")).containsExactlyInAnyOrder(b, c);
        long started = Api.get(a).extract().<Long>path("start_time");
        assertThat(list("tags=" + tag + "&start_time=" + started).getList("jobs.job_id")).containsExactly(a);
        assertThat(list("tags=" + tag + "&start_time=" + (started + 1)).getList("jobs.job_id")).isEmpty();
        // Valueless and unknown parameters are ignored.
        assertThat(list("tags=" + tag + "&status&name=&whatever=1&job_definition_id").getList("jobs.job_id")).hasSize(3);
        assertThat(list("tags=" + tag + "&job_definition_id=nope").getList("jobs")).isEmpty();
    }

    @Test
    void sortsByTheContractsSyntax() {
        String tag = "s" + System.nanoTime();
        String b = Api.submit(Api.with(job("bravo"), "tags", List.of(tag)));
        clock.advance(Duration.ofSeconds(2));
        String a = Api.submit(Api.with(job("Alpha"), "tags", List.of(tag)));
        clock.advance(Duration.ofSeconds(2));
        String c = Api.submit(Api.with(job("charlie"), "tags", List.of(tag)));

        assertThat(list("tags=" + tag).getList("jobs.job_id")).containsExactly(c, a, b);
        assertThat(list("tags=" + tag + "&sort_by=asc(create_time)").getList("jobs.job_id")).containsExactly(b, a, c);
        assertThat(list("tags=" + tag + "&sort_by=name").getList("jobs.job_id")).containsExactly(a, b, c);
        assertThat(list("tags=" + tag + "&sort_by=desc(name)").getList("jobs.job_id")).containsExactly(c, b, a);
        assertThat(list("tags=" + tag + "&sort_by=status&sort_by=desc(create_time)").getList("jobs.job_id"))
                .containsExactly(c, a, b);
    }

    @Test
    void pagesWithNextTokenWithoutSkippingOrRepeatingWhileJobsChange() {
        String tag = "p" + System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(Api.submit(Api.with(job("page " + i), "tags", List.of(tag))));
            clock.advance(Duration.ofSeconds(1));
        }
        JsonPath first = list("tags=" + tag + "&max_items=3");
        assertThat(first.getList("jobs")).hasSize(3);
        assertThat(first.getInt("total_count")).isEqualTo(7);
        String token = first.getString("next_token");
        assertThat(token).isNotBlank();

        // A job created between pages must not shift the next page.
        Api.submit(Api.with(job("page late"), "tags", List.of(tag)));
        Set<String> seen = new HashSet<>(first.getList("jobs.job_id"));
        JsonPath page = first;
        while (page.getString("next_token") != null) {
            page = list("tags=" + tag + "&max_items=3&next_token=" + page.getString("next_token"));
            for (String id : page.<String>getList("jobs.job_id")) {
                assertThat(seen.add(id)).as("job %s shown twice", id).isTrue();
            }
        }
        assertThat(seen).containsAll(ids);
        assertThat(page.getInt("total_count")).isEqualTo(8);
    }

    @Test
    void maxItemsZeroGivesTheCountOnly() {
        String tag = "z" + System.nanoTime();
        Api.submit(Api.with(job("zero"), "tags", List.of(tag)));
        given().when().get("/scheduler/jobs?max_items=0&tags=" + tag).then().statusCode(200)
                .body("jobs", empty())
                .body("total_count", equalTo(1))
                .body("next_token", nullValue());
    }

    @Test
    void listsOnlyTheCallersJobs() {
        // A job of another owner, created behind the service's back with the same labels.
        String id = Api.submit(job("mine"));
        var theirs = kubeJob(id);
        theirs.getMetadata().setName("nb-job-someone-else-" + System.nanoTime());
        theirs.getMetadata().setResourceVersion(null);
        theirs.getMetadata().setUid(null);
        theirs.getMetadata().getLabels().put("scheduler.jupyter.org/job-id", "someone-else-" + System.nanoTime());
        theirs.getMetadata().getAnnotations().put("scheduler.jupyter.org/job-data",
                theirs.getMetadata().getAnnotations().get("scheduler.jupyter.org/job-data").replace("\"owner\":\"alice\"",
                        "\"owner\":\"bob\""));
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).resource(theirs).create();
        String theirId = theirs.getMetadata().getLabels().get("scheduler.jupyter.org/job-id");
        eventually().untilAsserted(() -> assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE)
                .withName(theirs.getMetadata().getName()).get()).isNotNull());
        given().when().get("/scheduler/jobs").then().statusCode(200)
                .body("jobs.job_id", hasItem(id))
                .body("jobs.job_id", not(hasItem(theirId)));
        Api.get(theirId).statusCode(404);
        given().when().delete("/scheduler/jobs/" + theirId).then().statusCode(404);
    }

    @Test
    void describesJobsWithTheContractsFieldsNullsOmittedArraysPresent() {
        String id = Api.submit(Api.with(job("described"), "tags", List.of()));
        Map<String, Object> job = Api.get(id).extract().jsonPath().getMap("");
        assertThat(job).containsKeys("job_id", "name", "input_filename", "runtime_environment_name",
                "runtime_environment_parameters", "output_formats", "parameters", "tags", "packaged_files", "job_files",
                "url", "create_time", "update_time", "status", "downloaded");
        assertThat(job).doesNotContainKeys("start_time", "end_time", "status_message", "job_definition_id",
                "idempotency_token", "compute_type");
        assertThat(job.get("url")).isEqualTo("/jobs/" + id);
        assertThat(job.get("packaged_files")).isEqualTo(List.of());
        assertThat(job.get("tags")).isEqualTo(List.of());
    }
}
