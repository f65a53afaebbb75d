package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.jobs.RunSettings;
import io.notebookjobs.notebook.NotebookInfo;
import io.notebookjobs.notebook.OutputFormat;
import io.notebookjobs.notebook.OutputNames;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.testing.TestConfig;

/**
 * The service's half of the executor contract (docs/executor-contract.md): the container this
 * service builds for a sample job must equal the fixture the executor's tests run against.
 * After a deliberate change run with {@code -Dcontract.update=true} and commit the fixture.
 */
class ExecutorContractTest {

    static final Path FIXTURES = Path.of("image/tests/fixtures");
    static final Path FIXTURE = FIXTURES.resolve("job-contract.json");
    static final String JOB_ID = "3f0c9a1e-5b7d-4c2a-9e8f-1a2b3c4d5e6f";
    static final long CREATE_TIME = 1795437423000L;

    @Test
    void theJobsContainerMatchesTheFixtureTheExecutorIsTestedWith() throws Exception {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        // Through text, so numbers compare as the file holds them.
        JsonNode generated = json.readTree(json.writeValueAsString(contract()));
        if (Boolean.getBoolean("contract.update")) {
            Files.writeString(FIXTURE, json.writeValueAsString(generated) + "\n");
        }
        JsonNode committed = json.readTree(FIXTURE.toFile());
        assertThat(committed)
                .as("The executor contract changed. If on purpose, run ./mvnw test -Dtest=ExecutorContractTest "
                        + "-Dcontract.update=true, check image/ still passes (./test executor) and commit the fixture.")
                .isEqualTo(generated);
    }

    private static Map<String, Object> contract() throws Exception {
        byte[] notebook = Files.readAllBytes(FIXTURES.resolve("contract/report.ipynb"));
        NotebookInfo info = NotebookInfo.inspect("input", notebook);
        List<String> formats = List.of("ipynb", "html", "markdown", "script", "latex");
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("region", "'eu'");
        parameters.put("limit", 5);
        // Kubernetes expands $(VAR) and $$ in literal values: the service must escape them.
        parameters.put("note", "'$(NBJ_JOB_ID) costs $$5'");
        JobRecord record = new JobRecord(JOB_ID, "contract", "contract-user", "report.ipynb", "default", Map.of(),
                formats, parameters, List.of(), null, null, null, null, true, List.of("data/input.csv"), CREATE_TIME,
                3600, 0, info.scriptExtension(), null, null, null);
        RunSettings settings = new RunSettings(java.util.Optional.empty(), java.util.Optional.empty(), 0,
                Map.of("GREETING", "hello from the contract"), Duration.ofHours(1), 0, Map.of(), io.notebookjobs.model.PodProfile.NONE);
        JobManifests manifests = new JobManifests(TestConfig.load(Map.of(
                "notebook-jobs.s3.bucket", "notebook-jobs",
                "notebook-jobs.s3.endpoint-url", "http://s3.example.test:9000",
                "notebook-jobs.s3.region", "us-east-1",
                "notebook-jobs.s3.path-style", "true",
                "notebook-jobs.s3.credentials-secret.name", "notebook-jobs-s3")));
        JobPaths paths = JobPaths.forJob("", JOB_ID);
        Job job = manifests.job(record, settings, paths, "executor", Labels.envSecretName(Labels.jobName(JOB_ID)));
        Container container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
        KubernetesSerialization k8s = new KubernetesSerialization();

        Map<String, String> podLabels = new java.util.TreeMap<>(job.getSpec().getTemplate().getMetadata().getLabels());
        podLabels.put(Labels.K8S_JOB_NAME, job.getMetadata().getName());

        List<String> expectedOutputs = new java.util.ArrayList<>();
        expectedOutputs.add(paths.outputPrefix() + record.inputFilename());
        for (String id : formats) {
            expectedOutputs.add(paths.outputPrefix() + OutputNames.outputFile(record.inputFilename(),
                    Instant.ofEpochMilli(CREATE_TIME), OutputFormat.byId(id).orElseThrow(), record.scriptExtension()));
        }
        Map<String, Object> inputKeys = new LinkedHashMap<>();
        inputKeys.put(paths.inputPrefix() + "report.ipynb", "contract/report.ipynb");
        inputKeys.put(paths.inputPrefix() + "data/input.csv", "contract/data/input.csv");

        Map<String, Object> contract = new LinkedHashMap<>();
        contract.put("_comment", "Generated by src/test/java/io/notebookjobs/kube/ExecutorContractTest.java from a "
                + "sample job. Do not edit by hand: see docs/executor-contract.md.");
        contract.put("job", orderedMap("job_id", JOB_ID, "job_name", job.getMetadata().getName(), "create_time",
                CREATE_TIME, "input_filename", record.inputFilename(), "package_input_folder", true, "output_formats",
                formats, "parameters", parameters, "activeDeadlineSeconds", job.getSpec().getActiveDeadlineSeconds()));
        contract.put("container", orderedMap(
                "command", container.getCommand(),
                "env", k8s.convertValue(container.getEnv(), List.class),
                "volumeMounts", k8s.convertValue(container.getVolumeMounts(), List.class),
                "terminationMessagePath", container.getTerminationMessagePath(),
                "terminationMessagePolicy", container.getTerminationMessagePolicy(),
                "securityContext", k8s.convertValue(container.getSecurityContext(), Map.class)));
        contract.put("podLabels", podLabels);
        contract.put("secrets", Map.of(Labels.envSecretName(job.getMetadata().getName()), settings.env()));
        // The sample notebook writes results/summary.txt; where it lands is the contract's part.
        contract.put("s3", orderedMap("inputKeys", inputKeys, "expectedOutputKeys", expectedOutputs,
                "expectedSideEffectKeys", List.of(paths.sideEffectsPrefix() + "results/summary.txt")));
        return contract;
    }

    private static Map<String, Object> orderedMap(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
