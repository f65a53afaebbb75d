package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/**
 * Issue item 1: a notebook job runs for real on the process node (the real executor, a real
 * kernel, the real Job controller and scheduler): COMPLETED, its outputs in S3 and listed by the
 * API, its Job and pod visible with the right labels. And a failing cell fails the job with the
 * executor's own message.
 */
@SimClusterTest
class NotebookRunE2EIT extends ServiceE2ETest {

    @Test
    void aNotebookRunsOnTheProcessNodeWithItsOutputsInS3AndTheApi() throws Exception {
        String name = "e2e report " + UUID.randomUUID().toString().substring(0, 8);
        Map<String, Object> request = E2EService.job(name, List.of("ipynb", "html", "markdown"),
                Map.of("region", "'eu'", "limit", 2));
        request.put("package_input_folder", true);
        request.put("tags", List.of("e2e"));
        String id = service.create(request, "report.ipynb",
                Map.of("data/sales.csv", E2EService.resource("sales.csv"))).jobId();

        Map<String, Object> job = service.awaitStatus(id, Set.of("COMPLETED", "FAILED"), Duration.ofSeconds(120));
        assertThat(job.get("status")).as("status (message: %s)", job.get("status_message")).isEqualTo("COMPLETED");
        assertThat(job.get("status_message")).isNull();
        long created = number(job, "create_time");
        long started = number(job, "start_time");
        long ended = number(job, "end_time");
        // Kubernetes times have a one-second resolution.
        assertThat(started).isBetween(created - 1000, ended);
        assertThat(ended).isLessThanOrEqualTo(System.currentTimeMillis());

        // The outputs DescribeJob names are in the bucket, and the files API lists exactly what is there.
        List<String> outputs = new ArrayList<>();
        for (Object f : (List<?>) job.get("job_files")) {
            String path = (String) ((Map<?, ?>) f).get("file_path");
            if (path.startsWith("output/")) {
                outputs.add(path);
            }
        }
        assertThat(outputs).hasSize(3).allMatch(p -> p.matches("output/report-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d-[AP]M\\.(ipynb|html|md)"));
        List<String> listed = service.fileNames(id);
        assertThat(listed).containsAll(outputs)
                .contains("input/report.ipynb", "input/data/sales.csv", "output/report.ipynb", "files/summary.txt");
        // Besides the listed files, only the executor's saved log (served by GET .../logs).
        List<String> stored = new ArrayList<>(listed);
        stored.add("logs/executor.log");
        assertThat(cluster.objectsOf(id)).as("objects under jobs/%s/ in the bucket", id)
                .containsExactlyInAnyOrderElementsOf(stored);
        E2EService.Response log = service.get("/jobs/" + id + "/logs");
        assertThat(log.status()).isEqualTo(200);
        assertThat(log.body()).contains("Running cell", "Exit 0: Notebook report.ipynb ran in");

        // The notebook really ran, with the parameters injected.
        String ipynb = outputs.stream().filter(p -> p.endsWith(".ipynb")).findFirst().orElseThrow();
        JsonNode executed = E2EService.JSON.readTree(service.download(id, ipynb));
        String injected = "";
        StringBuilder printed = new StringBuilder();
        for (JsonNode cell : executed.get("cells")) {
            if (cell.path("metadata").path("tags").toString().contains("injected-parameters")) {
                injected = text(cell.get("source"));
            }
            for (JsonNode output : cell.path("outputs")) {
                printed.append(text(output.path("text")));
            }
        }
        assertThat(injected).contains("region = 'eu'").contains("limit = 2");
        assertThat(printed.toString()).contains("region=eu top=2 total=42").contains("wrote summary.txt");
        assertThat(new String(service.download(id, "files/summary.txt"), StandardCharsets.UTF_8)).isEqualTo("eu:42\n");
        String html = outputs.stream().filter(p -> p.endsWith(".html")).findFirst().orElseThrow();
        assertThat(new String(service.download(id, html), StandardCharsets.UTF_8)).contains("total=42");

        // The Kubernetes Job and its pod, as kubectl users see them.
        Job k8sJob = service.awaitOutcomeWritten(id);
        assertThat(k8sJob.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "notebook-jobs")
                .containsEntry("scheduler.jupyter.org/job-id", id)
                .containsEntry("scheduler.jupyter.org/owner", E2EService.USER)
                .containsEntry("scheduler.jupyter.org/status", "COMPLETED");
        assertThat(k8sJob.getMetadata().getAnnotations().get("scheduler.jupyter.org/outcome")).contains("\"COMPLETED\"");
        assertThat(k8sJob.getStatus().getConditions())
                .anyMatch(c -> "Complete".equals(c.getType()) && "True".equals(c.getStatus()));
        assertThat(k8sJob.getStatus().getSucceeded()).isEqualTo(1);

        List<Pod> pods = cluster.pods(id);
        assertThat(pods).hasSize(1);
        Pod pod = pods.get(0);
        assertThat(pod.getMetadata().getLabels())
                .containsEntry("app.kubernetes.io/managed-by", "notebook-jobs")
                .containsEntry("scheduler.jupyter.org/job-id", id)
                .containsEntry("scheduler.jupyter.org/owner", E2EService.USER)
                .containsEntry("batch.kubernetes.io/job-name", "nb-job-" + id);
        assertThat(pod.getMetadata().getOwnerReferences())
                .anyMatch(o -> "Job".equals(o.getKind()) && ("nb-job-" + id).equals(o.getName()));
        assertThat(pod.getSpec().getNodeName()).isEqualTo(SimCluster.PROCESS_NODE);
        assertThat(pod.getStatus().getPhase()).isEqualTo("Succeeded");
        ContainerStateTerminated terminated = pod.getStatus().getContainerStatuses().get(0).getState().getTerminated();
        assertThat(terminated.getExitCode()).isZero();
        assertThat(terminated.getMessage()).startsWith("Notebook report.ipynb ran in");
        // Storage credentials reach the executor only by reference to the Secret.
        EnvVar key = pod.getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> "AWS_ACCESS_KEY_ID".equals(e.getName())).findFirst().orElseThrow();
        assertThat(key.getValue()).isNull();
        assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo(SimCluster.CREDENTIALS_SECRET);

        // The history finds it.
        List<Map<String, Object>> history = service.history(E2EService.query("name", name));
        assertThat(history).singleElement().satisfies(h -> {
            assertThat(h.get("job_id")).isEqualTo(id);
            assertThat(h.get("status")).isEqualTo("COMPLETED");
        });
        E2EService.log("report job: created -> ended %.1f s, ran %.1f s", (ended - created) / 1e3, (ended - started) / 1e3);
    }

    @Test
    void aFailingCellFailsTheJobWithTheExecutorsMessage() {
        String name = "e2e failing " + UUID.randomUUID().toString().substring(0, 8);
        java.nio.file.Path gate = cluster.newGate("failing");
        SimCluster.fail(gate);
        String id = service.create(E2EService.job(name, List.of("ipynb"),
                Map.of("gate", SimCluster.gateParameter(gate))), "gated.ipynb");

        Map<String, Object> job = service.awaitStatus(id, Set.of("COMPLETED", "FAILED"), Duration.ofSeconds(120));
        assertThat(job.get("status")).isEqualTo("FAILED");
        // Cells: the markdown, parameters, injected-parameters, then the one that raises.
        assertThat(job.get("status_message")).isEqualTo(
                "Cell 4 raised RuntimeError: the test asked this run to fail. Outputs up to that cell were uploaded. (exit code 1)");
        // Outputs up to the failing cell were uploaded.
        assertThat(service.fileNames(id)).anyMatch(f -> f.matches("output/gated-.*\\.ipynb"));

        Job k8sJob = service.awaitOutcomeWritten(id);
        assertThat(k8sJob.getMetadata().getLabels()).containsEntry("scheduler.jupyter.org/status", "FAILED");
        assertThat(k8sJob.getStatus().getConditions())
                .anyMatch(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    @Test
    void aCellErrorFailsAtOnceWhateverRetriesWereAskedFor() {
        String name = "e2e no retry " + UUID.randomUUID().toString().substring(0, 8);
        java.nio.file.Path gate = cluster.newGate("no-retry");
        SimCluster.fail(gate);
        Map<String, Object> request = E2EService.job(name, List.of("ipynb"),
                Map.of("gate", SimCluster.gateParameter(gate)));
        E2EService.runtimeParameters(request).put("max_retries", 2);
        String id = service.create(request, "gated.ipynb");

        Map<String, Object> job = service.awaitStatus(id, Set.of("COMPLETED", "FAILED"), Duration.ofSeconds(120));
        assertThat(job.get("status")).isEqualTo("FAILED");
        // One attempt, its own message: the same cell would raise again on a retry.
        assertThat((String) job.get("status_message")).startsWith("Cell 4 raised RuntimeError");
        Job k8sJob = service.awaitOutcomeWritten(id);
        assertThat(k8sJob.getStatus().getFailed()).isEqualTo(1);
        assertThat(k8sJob.getStatus().getConditions())
                .anyMatch(c -> "Failed".equals(c.getType()) && "PodFailurePolicy".equals(c.getReason()));
    }

    private static long number(Map<String, Object> job, String field) {
        Object value = job.get(field);
        assertThat(value).as(field).isInstanceOf(Number.class);
        return ((Number) value).longValue();
    }

    private static String text(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "";
        }
        if (node.isArray()) {
            StringBuilder s = new StringBuilder();
            node.forEach(n -> s.append(n.asText()));
            return s.toString();
        }
        return node.asText();
    }
}
