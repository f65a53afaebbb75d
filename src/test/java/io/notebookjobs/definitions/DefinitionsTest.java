package io.notebookjobs.definitions;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.notebook.OutputFormat;
import io.notebookjobs.notebook.OutputNames;
import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.path.json.JsonPath;

/**
 * Job definitions as CronJobs, with a fake CronJob controller that spawns runs the way the real
 * one does: {@code <cronjob>-<scheduled minute>}, owned by the CronJob, from its Job template.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class DefinitionsTest extends ServiceTest {

    private CronJob cronJob(String id) {
        return k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).withName("nb-jobdef-" + id).get();
    }

    private static Container template(CronJob cronJob) {
        return cronJob.getSpec().getJobTemplate().getSpec().getTemplate().getSpec().getContainers().get(0);
    }

    private static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    private static Instant minute(int minutesFromNow) {
        return Instant.now().truncatedTo(ChronoUnit.MINUTES).plus(minutesFromNow, ChronoUnit.MINUTES);
    }

    @Test
    void aDefinitionIsACronJobWhoseRunsAreOrdinaryHistory() {
        String id = Api.submitDefinition(Api.createDefinition("nightly", "30 2 * * MON-FRI", "Europe/Vienna"));

        Api.definition(id).statusCode(200)
                .body("job_definition_id", equalTo(id))
                .body("name", equalTo("nightly"))
                .body("schedule", equalTo("30 2 * * MON-FRI"))
                .body("timezone", equalTo("Europe/Vienna"))
                .body("active", equalTo(true))
                .body("input_filename", equalTo("hello.ipynb"))
                .body("next_run_time", notNullValue())
                .body("packaged_files", equalTo(List.of()));
        CronJob cronJob = cronJob(id);
        assertThat(cronJob.getSpec().getSchedule()).isEqualTo("30 2 * * MON-FRI");
        assertThat(cronJob.getSpec().getTimeZone()).isEqualTo("Europe/Vienna");
        assertThat(cronJob.getSpec().getSuspend()).isFalse();
        assertThat(cronJob.getSpec().getConcurrencyPolicy()).isEqualTo("Forbid");
        assertThat(cronJob.getSpec().getStartingDeadlineSeconds()).isEqualTo(300L);
        assertThat(cronJob.getSpec().getSuccessfulJobsHistoryLimit()).isEqualTo(Integer.MAX_VALUE);
        assertThat(cronJob.getSpec().getFailedJobsHistoryLimit()).isEqualTo(Integer.MAX_VALUE);
        assertThat(cronJob.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/job-definition-id", id)
                .containsEntry("scheduler.jupyter.org/name", "nightly")
                .containsEntry("scheduler.jupyter.org/owner", "alice")
                .containsEntry("app.kubernetes.io/managed-by", "notebook-jobs");
        assertThat(cronJob.getSpec().getJobTemplate().getMetadata().getLabels())
                .containsEntry("scheduler.jupyter.org/job-definition-id", id).doesNotContainKey("scheduler.jupyter.org/job-id");
        Container c = template(cronJob);
        assertThat(env(c, "NBJ_JOB_ID")).isEqualTo("$(NBJ_JOB_NAME)");
        assertThat(env(c, "NBJ_OUTPUT_PREFIX")).isEqualTo("jobs/$(NBJ_JOB_NAME)/output/");
        assertThat(env(c, "NBJ_SIDE_EFFECTS_PREFIX")).isEqualTo("jobs/$(NBJ_JOB_NAME)/files/");
        assertThat(env(c, "NBJ_CREATE_TIME")).isNull();
        String inputPrefix = env(c, "NBJ_INPUT_PREFIX");
        assertThat(inputPrefix).matches("definitions/" + id + "/inputs/\\d+/");
        assertThat(keys("definitions/" + id + "/")).containsExactly(inputPrefix + "hello.ipynb");
        // The same env contract as one-off jobs: endpoint, region, credentials by reference.
        assertThat(env(c, "NBJ_S3_ENDPOINT_URL")).isEqualTo(s3.endpoint());
        assertThat(env(c, "NBJ_S3_REGION")).isEqualTo("us-east-1");
        assertThat(c.getEnv().stream().filter(e -> e.getName().equals("AWS_SECRET_ACCESS_KEY")).findFirst().orElseThrow()
                .getValueFrom().getSecretKeyRef().getName()).isEqualTo("notebook-jobs-s3");

        Instant first = minute(-2);
        Instant second = minute(-1);
        String run1 = controller.fire("nb-jobdef-" + id, first);
        eventually().until(() -> Api.get(run1).extract().statusCode() == 200);
        Api.get(run1).statusCode(200)
                .body("job_definition_id", equalTo(id))
                .body("name", equalTo("nightly"))
                .body("parameters.greeting", equalTo("'hi'"))
                .body("runtime_environment_parameters.cpu", equalTo("500m"))
                .body("status", equalTo("QUEUED"))
                .body("create_time", equalTo(first.toEpochMilli()));
        // concurrencyPolicy Forbid: the next run starts once this one has finished.
        assertThat(controller.fire("nb-jobdef-" + id, second)).isNull();
        controller.run(run1);
        controller.succeed(run1, "ok");
        eventually().until(() -> Api.status(run1).equals("COMPLETED"));
        String run2 = controller.fire("nb-jobdef-" + id, second);
        assertThat(run2).isNotNull().isNotEqualTo(run1);
        eventually().untilAsserted(() -> assertThat(given().when().get("/scheduler/jobs?job_definition_id=" + id)
                .then().extract().<List<String>>path("jobs.job_id")).containsExactlyInAnyOrder(run1, run2));

        // Each run writes under its own prefix; the service lists them per run.
        String html1 = OutputNames.outputFile("hello.ipynb", first, OutputFormat.HTML, "py");
        String html2 = OutputNames.outputFile("hello.ipynb", second, OutputFormat.HTML, "py");
        assertThat(html1).isNotEqualTo(html2);
        put("jobs/" + run1 + "/output/" + html1, "<p>1</p>".getBytes(StandardCharsets.UTF_8));
        put("jobs/" + run2 + "/output/" + html2, "<p>2</p>".getBytes(StandardCharsets.UTF_8));
        JsonPath files1 = given().when().get("/scheduler/jobs/" + run1 + "/files").then().statusCode(200).extract().jsonPath();
        assertThat(files1.getList("files.name")).contains("input/hello.ipynb", "output/" + html1)
                .doesNotContain("output/" + html2);
        assertThat(files1.<String>getList("files.findAll { it.name == 'output/" + html1 + "' }.format")).containsExactly("html");
        assertThat(Api.get(run1).extract().jsonPath().<String>getList("job_files.file_path")).contains("output/" + html1);
        given().when().get("/scheduler/jobs/" + run2 + "/files/output/" + html2).then().statusCode(200).body(equalTo("<p>2</p>"));

        // Deleting one run removes its outputs, not the definition's input or the other run.
        given().when().delete("/scheduler/jobs/" + run1).then().statusCode(204);
        Api.get(run1).statusCode(404);
        eventually().until(() -> keys("jobs/" + run1 + "/").isEmpty());
        assertThat(keys("jobs/" + run2 + "/")).isNotEmpty();
        assertThat(keys(inputPrefix)).isNotEmpty();
    }

    @Test
    void pauseStopsNewRunsAndResumeRestartsThem() {
        String id = Api.submitDefinition(Api.createDefinition("pausable", "* * * * *", null));
        Api.definition(id).body("timezone", equalTo("UTC"));

        Api.patchDefinition(id, Map.of("active", false)).statusCode(204);
        assertThat(cronJob(id).getSpec().getSuspend()).isTrue();
        Api.definition(id).body("active", equalTo(false)).body("next_run_time", nullValue());
        assertThat(controller.fire("nb-jobdef-" + id, minute(0))).isNull();

        Api.patchDefinition(id, Map.of("active", true)).statusCode(204);
        assertThat(cronJob(id).getSpec().getSuspend()).isFalse();
        String run = controller.fire("nb-jobdef-" + id, minute(1));
        assertThat(run).isNotNull();
        eventually().until(() -> Api.get(run).extract().statusCode() == 200);
    }

    @Test
    void anEditChangesTheNextRunsSpecNotOnlyTheRecord() {
        Map<String, Object> create = Api.createDefinition("editable", "0 * * * *", null);
        ((Map<String, Object>) create.get("runtime_environment_parameters")).put("env.TOKEN", "first-secret");
        String id = Api.submitDefinition(create);
        String before = controller.fire("nb-jobdef-" + id, minute(-5));
        controller.run(before);
        controller.succeed(before, "ok");

        Map<String, Object> params = new HashMap<>(Map.of("cpu", "2", "memory", "3Gi", "gpu", 1,
                "env.TOKEN", "********", "env.NEW_ONE", "second-secret"));
        Api.patchDefinition(id, Map.of("parameters", Map.of("greeting", "'edited'"), "runtime_environment_parameters",
                params, "schedule", "15 * * * *", "timezone", "America/New_York", "name", "edited",
                "output_formats", List.of("html", "pdf"))).statusCode(204);

        CronJob cronJob = cronJob(id);
        assertThat(cronJob.getSpec().getSchedule()).isEqualTo("15 * * * *");
        assertThat(cronJob.getSpec().getTimeZone()).isEqualTo("America/New_York");
        String after = controller.fire("nb-jobdef-" + id, minute(-4));
        Job next = k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(after).get();
        Container c = next.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getResources().getLimits()).containsEntry("cpu", new Quantity("2"))
                .containsEntry("memory", new Quantity("3Gi")).containsEntry("nvidia.com/gpu", new Quantity("1"));
        assertThat(env(c, "NBJ_PARAMETERS")).isEqualTo("{\"greeting\":\"'edited'\"}");
        assertThat(env(c, "NBJ_OUTPUT_FORMATS")).isEqualTo("html,pdf");
        assertThat(c.getEnv()).extracting(EnvVar::getName).contains("TOKEN", "NEW_ONE");
        assertThat(next.getSpec().getTemplate().getSpec().getTolerations()).isNotEmpty();

        Job old = k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(before).get();
        assertThat(old.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
                .containsEntry("cpu", new Quantity("500m"));
        eventually().untilAsserted(() -> Api.get(after).statusCode(200).body("name", equalTo("edited"))
                .body("parameters.greeting", equalTo("'edited'")));
        assertThat(cronJob(id).getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/name", "edited");
        assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(after).get().getMetadata().getLabels())
                .containsEntry("scheduler.jupyter.org/name", "edited");
        Api.definition(id).body("name", equalTo("edited"))
                .body("runtime_environment_parameters.'env.TOKEN'", equalTo("********"))
                .body("runtime_environment_parameters.'env.NEW_ONE'", equalTo("********"));
        var secret = k8s().secrets().inNamespace(NAMESPACE).withName("nb-jobdef-" + id + "-env").get();
        Map<String, String> values = secret.getStringData() != null ? secret.getStringData() : secret.getData();
        assertThat(values).containsKey("NEW_ONE");
        assertThat(k8s().getKubernetesSerialization().asJson(cronJob)).doesNotContain("first-secret")
                .doesNotContain("second-secret");

        // A masked value only keeps one set before.
        Api.patchDefinition(id, Map.of("runtime_environment_parameters", Map.of("env.UNKNOWN", "********")))
                .statusCode(400).body("message", equalTo("runtime_environment_parameters.env.UNKNOWN: give its value: "
                        + "******** only keeps a value set before"));
    }

    @Test
    void aStoppedOrFailedRunNoLongerHoldsTheNextScheduledRunBack() {
        String id = Api.submitDefinition(Api.createDefinition("every minute", "* * * * *", null));
        String cronJob = "nb-jobdef-" + id;
        Instant stoppedMinute = minute(-3);
        String stopped = controller.fire(cronJob, stoppedMinute);
        eventually().until(() -> Api.get(stopped).extract().statusCode() == 200);
        controller.run(stopped);
        put("jobs/" + stopped + "/output/hello.ipynb", Api.notebook("hello.ipynb"));
        assertThat(controller.activeRuns(cronJob)).containsExactly(stopped);

        given().contentType("application/json").body(Map.of("status", "STOPPED")).when()
                .patch("/scheduler/jobs/" + stopped).then().statusCode(204);
        eventually().until(() -> Api.status(stopped).equals("STOPPED"));
        assertThat(controller.activeRuns(cronJob)).as("the CronJob's active runs after the stop").isEmpty();
        Job released = k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(stopped).get();
        assertThat(released.getSpec().getSuspend()).isTrue();
        assertThat(Optional.ofNullable(released.getMetadata().getOwnerReferences()).orElse(List.of()))
                .noneMatch(o -> "CronJob".equals(o.getKind()));
        assertThat(released.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/job-definition-id", id);

        // The next minute starts on time (Forbid finds nothing active); it fails on its image and is
        // suspended by the service: the minute after starts too.
        String failed = controller.fire(cronJob, stoppedMinute.plusSeconds(60));
        assertThat(failed).as("the run after a stopped one").isNotNull();
        controller.waiting(failed, "ImagePullBackOff", "Back-off pulling image \"notebook-jobs/executor:0.1.0\"");
        // Past the grace period and the kubelet's retries (JobStateMapper.IMAGE_ERROR_TIMEOUT).
        clock.advance(java.time.Duration.ofSeconds(181));
        eventually().until(() -> Api.status(failed).equals("FAILED"));
        eventually().until(() -> !controller.activeRuns(cronJob).contains(failed));
        String third = controller.fire(cronJob, stoppedMinute.plusSeconds(120));
        assertThat(third).as("the run after a failed and suspended one").isNotNull();

        // The stopped run stays in the history with its record and files.
        eventually().untilAsserted(() -> assertThat(given().when().get("/scheduler/jobs?job_definition_id=" + id)
                .then().extract().<List<String>>path("jobs.job_id")).containsExactlyInAnyOrder(stopped, failed, third));
        Api.get(stopped).statusCode(200).body("status", equalTo("STOPPED")).body("job_definition_id", equalTo(id))
                .body("name", equalTo("every minute")).body("create_time", equalTo(stoppedMinute.toEpochMilli()));
        assertThat(given().when().get("/scheduler/jobs/" + stopped + "/files").then().statusCode(200).extract()
                .jsonPath().<String>getList("files.name")).contains("input/hello.ipynb", "output/hello.ipynb");

        // No longer the CronJob's child, so not the garbage collector's: the definition's delete finds it by label.
        given().when().delete("/scheduler/job_definitions/" + id).then().statusCode(204);
        for (String run : List.of(stopped, failed, third)) {
            Api.get(run).statusCode(404);
            // The delete answers once the runs are hidden; their Jobs and files go right after.
            eventually().untilAsserted(() -> assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(run)
                    .get()).as("Job %s", run).isNull());
            eventually().untilAsserted(() -> assertThat(keys("jobs/" + run + "/")).as("files of %s", run).isEmpty());
        }
    }

    @Test
    void aRunStoppedBeforeTheFixIsReleasedByTheReconciler() {
        String id = Api.submitDefinition(Api.createDefinition("blocked", "* * * * *", null));
        String cronJob = "nb-jobdef-" + id;
        String stuck = controller.fire(cronJob, minute(-2));
        eventually().until(() -> Api.get(stuck).extract().statusCode() == 200);
        // What an earlier version left: suspended with the stop mark, still the CronJob's child and active.
        k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(stuck).edit(j -> {
            j.getSpec().setSuspend(true);
            j.getMetadata().getAnnotations().put("scheduler.jupyter.org/stop-requested", "1");
            return j;
        });
        eventually().until(() -> controller.activeRuns(cronJob).isEmpty());
        eventually().until(() -> Optional.ofNullable(k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(stuck)
                .get().getMetadata().getOwnerReferences()).orElse(List.of()).stream()
                .noneMatch(o -> "CronJob".equals(o.getKind())));
        assertThat(controller.fire(cronJob, minute(-1))).isNotNull();
        Api.get(stuck).statusCode(200).body("status", equalTo("STOPPED"));
    }

    @Test
    void runNowIsANormalHistoryEntryWithItsOwnParameters() {
        String id = Api.submitDefinition(Api.createDefinition("run me", "0 0 * * *", null));
        String jobId = given().contentType("application/json").body(Map.of("parameters", Map.of("greeting", "'now'")))
                .when().post("/scheduler/job_definitions/" + id + "/jobs").then().statusCode(200)
                .extract().path("job_id");
        Api.get(jobId).statusCode(200)
                .body("job_definition_id", equalTo(id))
                .body("name", equalTo("run me"))
                .body("parameters", equalTo(Map.of("greeting", "'now'")));
        assertThat(keys("jobs/" + jobId + "/input/")).containsExactly("jobs/" + jobId + "/input/hello.ipynb");
        assertThat(given().when().get("/scheduler/jobs?job_definition_id=" + id).then().extract()
                .<List<String>>path("jobs.job_id")).contains(jobId);
        Container c = kubeJob(jobId).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(c, "NBJ_OUTPUT_PREFIX")).isEqualTo("jobs/" + jobId + "/output/");
        controller.run(jobName(jobId));
        controller.succeed(jobName(jobId), "ok");
        eventually().until(() -> Api.status(jobId).equals("COMPLETED"));
    }

    @Test
    void aNewInputIsANewVersionAndEveryRunKeepsTheOneItRanWith() {
        String id = Api.submitDefinition(Api.createDefinition("input swap", "0 0 * * *", null));
        String oldPrefix = env(template(cronJob(id)), "NBJ_INPUT_PREFIX");
        String finished = controller.fire("nb-jobdef-" + id, minute(-3));
        eventually().until(() -> Api.get(finished).extract().statusCode() == 200);
        controller.run(finished);
        controller.succeed(finished, "ok");
        eventually().until(() -> Api.status(finished).equals("COMPLETED"));
        eventually().until(() -> k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(finished).get()
                .getMetadata().getAnnotations().containsKey("scheduler.jupyter.org/outcome"));

        given().multiPart("job", Api.json(Map.of("package_input_folder", true)), "application/json")
                .multiPart("input", "report.ipynb", Api.notebook("hello.ipynb"))
                .multiPart("files", "data/new.csv", "x\n1\n".getBytes(StandardCharsets.UTF_8))
                .when().patch("/scheduler/job_definitions/" + id).then().statusCode(204);
        String newPrefix = env(template(cronJob(id)), "NBJ_INPUT_PREFIX");
        assertThat(newPrefix).isNotEqualTo(oldPrefix);
        assertThat(keys(newPrefix)).containsExactly(newPrefix + "data/new.csv", newPrefix + "report.ipynb");
        Api.definition(id).body("input_filename", equalTo("report.ipynb"))
                .body("packaged_files", equalTo(List.of("data/new.csv")));

        // The finished run still has its "Input": listed, in job_files, downloadable.
        assertThat(keys(oldPrefix)).as("the input a finished run ran with").containsExactly(oldPrefix + "hello.ipynb");
        assertThat(given().when().get("/scheduler/jobs/" + finished + "/files").then().statusCode(200).extract()
                .jsonPath().<String>getList("files.name")).contains("input/hello.ipynb").doesNotContain("input/report.ipynb");
        assertThat(Api.get(finished).extract().jsonPath().<String>getList("job_files.file_path")).contains("input/hello.ipynb");
        given().when().get("/scheduler/jobs/" + finished + "/files/input/hello.ipynb").then().statusCode(200);

        // Another new input, from the user's area of the bucket (the service's own prefixes are off limits):
        // the version in between was never run, so it goes; the finished run's stays.
        String mine = "users/alice/swap-" + System.nanoTime() + "/report.ipynb";
        put(mine, Api.notebook("hello.ipynb"));
        Api.patchDefinition(id, Map.of("input_uri", "s3://" + S3ProxyResource.BUCKET + "/" + mine)).statusCode(204);
        String currentPrefix = env(template(cronJob(id)), "NBJ_INPUT_PREFIX");
        assertThat(keys(newPrefix)).as("an input version no run used").isEmpty();
        assertThat(keys(oldPrefix)).isNotEmpty();

        // Deleting the last run that used it removes the old version, never the current one.
        given().when().delete("/scheduler/jobs/" + finished).then().statusCode(204);
        // The leader finishes the delete in the background, then the version goes.
        eventually().until(() -> keys(oldPrefix).isEmpty());
        assertThat(keys(currentPrefix)).isNotEmpty();
    }

    @Test
    void theFirstEnvSecretOfAnUpdateSurvivesACronJobConflict() {
        String id = Api.submitDefinition(Api.createDefinition("first secret", "0 0 * * *", null));
        // Someone else (the CronJob controller writing its status) changed the CronJob in between:
        // the replace answers 409 once and the update retries, with the Secret already created.
        server.expect().put().withPath("/apis/batch/v1/namespaces/" + NAMESPACE + "/cronjobs/nb-jobdef-" + id)
                .andReturn(409, new io.fabric8.kubernetes.api.model.StatusBuilder().withCode(409).withReason("Conflict")
                        .withMessage("the object has been modified; please apply your changes to the latest version")
                        .build())
                .once();

        Api.patchDefinition(id, Map.of("runtime_environment_parameters",
                Map.of("cpu", "500m", "env.TOKEN", "first-value"))).statusCode(204);

        var secret = k8s().secrets().inNamespace(NAMESPACE).withName("nb-jobdef-" + id + "-env").get();
        Map<String, String> values = secret.getStringData() != null ? secret.getStringData() : secret.getData();
        assertThat(values).containsKey("TOKEN");
        assertThat(secret.getMetadata().getOwnerReferences()).anyMatch(o -> o.getName().equals("nb-jobdef-" + id));
        assertThat(template(cronJob(id)).getEnv()).anyMatch(e -> e.getName().equals("TOKEN")
                && e.getValueFrom().getSecretKeyRef().getName().equals("nb-jobdef-" + id + "-env"));
        Api.definition(id).body("runtime_environment_parameters.'env.TOKEN'", equalTo("********"));
        assertThat(k8s().getKubernetesSerialization().asJson(cronJob(id))).doesNotContain("first-value");
        // Not stuck: the next update goes through.
        Api.patchDefinition(id, Map.of("runtime_environment_parameters",
                Map.of("cpu", "500m", "env.TOKEN", "********", "env.OTHER", "second-value"))).statusCode(204);
        assertThat(template(cronJob(id)).getEnv()).extracting(EnvVar::getName).contains("TOKEN", "OTHER");
    }

    @Test
    void deleteRemovesTheCronJobEveryRunTheirFilesAndTheInput() {
        Map<String, Object> create = Api.createDefinition("doomed", "0 0 * * *", null);
        ((Map<String, Object>) create.get("runtime_environment_parameters")).put("env.TOKEN", "x");
        String id = Api.submitDefinition(create);
        String run = controller.fire("nb-jobdef-" + id, minute(-2));
        String now = given().contentType("application/json").body(Map.of()).when()
                .post("/scheduler/job_definitions/" + id + "/jobs").then().statusCode(200).extract().path("job_id");
        eventually().until(() -> Api.get(run).extract().statusCode() == 200);
        controller.run(run);
        put("jobs/" + run + "/output/hello.ipynb", Api.notebook("hello.ipynb"));

        given().when().delete("/scheduler/job_definitions/" + id).then().statusCode(204);

        assertThat(cronJob(id)).isNull();
        Api.definition(id).statusCode(404);
        Api.get(run).statusCode(404);
        Api.get(now).statusCode(404);
        assertThat(keys("definitions/" + id + "/")).isEmpty();
        // The runs were marked in the request; the leader removes their files, then their Jobs.
        eventually().until(() -> keys("jobs/" + run + "/").isEmpty() && keys("jobs/" + now + "/").isEmpty());
        eventually().until(() -> k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName(run).get() == null
                && kubeJob(now) == null);
        eventually().until(() -> controller.pods(run).isEmpty());
        eventually().until(() -> k8s().secrets().inNamespace(NAMESPACE).withName("nb-jobdef-" + id + "-env").get() == null);
    }

    @Test
    void listsDefinitionsWithFiltersSortingAndPages() {
        String tag = "d" + System.nanoTime();
        String b = Api.submitDefinition(Api.with(Api.createDefinition("beta", "0 1 * * *", null), "tags", List.of(tag)));
        clock.advance(java.time.Duration.ofSeconds(2));
        String a = Api.submitDefinition(Api.with(Api.createDefinition("alpha", "0 2 * * *", null), "tags", List.of(tag)));
        clock.advance(java.time.Duration.ofSeconds(2));
        String c = Api.submitDefinition(Api.with(Api.createDefinition("gamma", "0 3 * * *", null), "tags", List.of(tag, "x")));

        JsonPath all = given().when().get("/scheduler/job_definitions?tags=" + tag + "&17334").then().statusCode(200)
                .extract().jsonPath();
        assertThat(all.getList("job_definitions.job_definition_id")).containsExactly(c, a, b);
        assertThat(all.getInt("total_count")).isEqualTo(3);
        assertThat(given().when().get("/scheduler/job_definitions?tags=" + tag + "&sort_by=name").then().extract()
                .<List<String>>path("job_definitions.job_definition_id")).containsExactly(a, b, c);
        assertThat(given().when().get("/scheduler/job_definitions?tags=" + tag + "&name=al").then().extract()
                .<List<String>>path("job_definitions.job_definition_id")).containsExactly(a);
        assertThat(given().when().get("/scheduler/job_definitions?tags=" + tag + "&tags=x").then().extract()
                .<List<String>>path("job_definitions.job_definition_id")).containsExactly(c);
        long createdA = Api.definition(a).extract().<Long>path("create_time");
        assertThat(given().when().get("/scheduler/job_definitions?tags=" + tag + "&create_time=" + createdA).then()
                .extract().<List<String>>path("job_definitions.job_definition_id")).containsExactlyInAnyOrder(a, c);
        JsonPath page = given().when().get("/scheduler/job_definitions?tags=" + tag + "&max_items=2").then().extract().jsonPath();
        assertThat(page.getList("job_definitions")).hasSize(2);
        assertThat(given().when().get("/scheduler/job_definitions?tags=" + tag + "&max_items=2&next_token="
                + page.getString("next_token")).then().extract().<List<String>>path("job_definitions.job_definition_id"))
                .containsExactly(b);
        given().when().get("/scheduler/job_definitions?max_items=0").then().statusCode(200)
                .body("job_definitions", equalTo(List.of()));
        given().when().get("/scheduler/job_definitions").then().body("job_definitions.schedule", hasItem("0 2 * * *"));
    }
}
