package io.notebookjobs.definitions;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.startsWith;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.restassured.response.ValidatableResponse;

/** Every bad definition is a 4xx naming the field; nothing is created: no CronJob, no Secret, no object. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class DefinitionBadInputTest extends ServiceTest {

    private void rejected(Supplier<ValidatableResponse> request, int status, String messageStart) {
        int cronJobs = k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).list().getItems().size();
        int jobs = k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems().size();
        int secrets = k8s().secrets().inNamespace(NAMESPACE).list().getItems().size();
        List<String> objects = keys("");
        request.get().statusCode(status).body("message", startsWith(messageStart));
        assertThat(k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).list().getItems()).hasSize(cronJobs);
        assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems()).hasSize(jobs);
        assertThat(k8s().secrets().inNamespace(NAMESPACE).list().getItems()).hasSize(secrets);
        assertThat(keys("")).isEqualTo(objects);
    }

    private ValidatableResponse create(String schedule, String timezone) {
        return Api.submitDefinition(Api.createDefinition("bad schedule", schedule, timezone), Api.notebook("hello.ipynb"),
                Map.of());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "* * * * * * | schedule: '* * * * * *' has 6 fields; a cron expression has 5",
            "0 0 * * | schedule: '0 0 * *' has 4 fields",
            "61 * * * * | schedule: '61 * * * *' is not a valid cron expression",
            "0 25 * * * | schedule: '0 25 * * *' is not a valid cron expression",
            "0 0 32 * * | schedule: '0 0 32 * *' is not a valid cron expression",
            "0 0 * 13 * | schedule: '0 0 * 13 *' is not a valid cron expression",
            "0 0 * * 7 | schedule: day of week is 0-6 (0 = Sunday)",
            "0 0 * * MON-XYZ | schedule: '0 0 * * MON-XYZ' is not a valid cron expression",
            "every day at noon | schedule: 'every day at noon' has 4 fields",
            "0 0 30 2 * | schedule: '0 0 30 2 *' never fires",
            "0 0 31 4,6,9,11 * | schedule: '0 0 31 4,6,9,11 *' never fires",
            "TZ=UTC 0 0 * * * | schedule: must not name a time zone",
            "@fortnightly | schedule: unknown nickname '@fortnightly'" })
    void invalidSchedules(String schedule, String message) {
        rejected(() -> create(schedule, null), 400, message);
    }

    @Test
    void aScheduleIsRequiredAndTheTimeZoneMustBeIana() {
        Map<String, Object> noSchedule = new HashMap<>(Api.createDefinition("no schedule", "0 0 * * *", null));
        noSchedule.remove("schedule");
        rejected(() -> Api.submitDefinition(noSchedule, Api.notebook("hello.ipynb"), Map.of()), 400, "schedule: is required");
        rejected(() -> create("0 9 * * MON-FRI", "Mars/Olympus_Mons"), 400, "timezone: 'Mars/Olympus_Mons' is not an IANA");
        rejected(() -> create("0 9 * * MON-FRI", "+02:00"), 400, "timezone: '+02:00' is not an IANA");
    }

    @Test
    void nicknamesAndNamesAreFine() {
        String id = Api.submitDefinition(Api.createDefinition("nickname", "@daily", "Asia/Tokyo"));
        Api.definition(id).statusCode(200).body("schedule", org.hamcrest.Matchers.equalTo("@daily"));
        Api.submitDefinition(Api.createDefinition("names", "0 12 * JAN,JUL SUN", null));
    }

    @Test
    void theJobFieldsFollowTheJobRules() {
        rejected(() -> Api.submitDefinition(Api.createDefinition("-bad name", "0 0 * * *", null),
                Api.notebook("hello.ipynb"), Map.of()), 400, "name: must be 1 to 63");
        Map<String, Object> bigCpu = Api.createDefinition("big cpu", "0 0 * * *", null);
        bigCpu.put("runtime_environment_parameters", Map.of("cpu", "2x"));
        rejected(() -> Api.submitDefinition(bigCpu, Api.notebook("hello.ipynb"), Map.of()), 400,
                "runtime_environment_parameters.cpu: '2x' is not a Kubernetes quantity");
        Map<String, Object> protectedEnv = Api.createDefinition("env", "0 0 * * *", null);
        protectedEnv.put("runtime_environment_parameters", Map.of("env.AWS_ACCESS_KEY_ID", "x"));
        rejected(() -> Api.submitDefinition(protectedEnv, Api.notebook("hello.ipynb"), Map.of()), 400,
                "runtime_environment_parameters.env.AWS_ACCESS_KEY_ID: AWS_ACCESS_KEY_ID is reserved");
        rejected(() -> Api.submitDefinition(Api.createDefinition("no notebook", "0 0 * * *", null), null, Map.of()), 400,
                "input: the notebook part is missing");
        rejected(() -> Api.submitDefinition(Api.createDefinition("garbage", "0 0 * * *", null), "nope".getBytes(),
                Map.of()), 400, "input: not a Jupyter notebook");
        rejected(() -> given().contentType("application/json").body(Api.json(Api.with(
                Api.createDefinition("json", "0 0 * * *", null), "input_uri", "work/x.ipynb")))
                .when().post("/scheduler/job_definitions").then(), 400, "input_uri: must name an object");
    }

    @Test
    void unknownDefinitionsAre404AndBadUpdatesChangeNothing() {
        String missing = "00000000-0000-0000-0000-000000000000";
        rejected(() -> Api.patchDefinition(missing, Map.of("active", false)), 404, "No job definition with id " + missing);
        rejected(() -> given().when().delete("/scheduler/job_definitions/" + missing).then(), 404, "No job definition");
        rejected(() -> given().contentType("application/json").body(Map.of()).when()
                .post("/scheduler/job_definitions/" + missing + "/jobs").then(), 404, "No job definition");
        Api.definition(missing).statusCode(404);

        String id = Api.submitDefinition(Api.createDefinition("stays", "0 0 * * *", null));
        String before = k8s().getKubernetesSerialization().asJson(
                k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).withName("nb-jobdef-" + id).get().getSpec());
        rejected(() -> Api.patchDefinition(id, Map.of("schedule", "0 0 30 2 *")), 400, "schedule: '0 0 30 2 *' never fires");
        rejected(() -> Api.patchDefinition(id, Map.of("timezone", "Nowhere")), 400, "timezone:");
        rejected(() -> Api.patchDefinition(id, Map.of("runtime_environment_parameters", Map.of("gpu", "0.5"))), 400,
                "runtime_environment_parameters.gpu:");
        rejected(() -> Api.patchDefinition(id, Map.of("input_uri", "s3://" + S3ProxyResource.BUCKET + "/users/alice/none.ipynb")),
                400, "input_uri: there is no object");
        assertThat(k8s().getKubernetesSerialization().asJson(
                k8s().batch().v1().cronjobs().inNamespace(NAMESPACE).withName("nb-jobdef-" + id).get().getSpec()))
                .isEqualTo(before);
        rejected(() -> given().contentType("application/json").body(Map.of("parameters", Map.of("1x", "2"))).when()
                .post("/scheduler/job_definitions/" + id + "/jobs").then(), 400, "parameters.1x:");
    }

    @Test
    void aJobCanOnlyNameADefinitionThatExists() {
        rejected(() -> Api.submit(Api.with(Api.createJob("orphan"), "job_definition_id", "no-such-definition"),
                Api.notebook("hello.ipynb"), Map.of()), 400, "job_definition_id: no job definition no-such-definition");
    }
}
