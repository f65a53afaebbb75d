package io.notebookjobs.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The running sim-cluster, as {@code local-dev/sim-cluster/run-e2e.sh} describes it in the
 * environment: {@code SIM_KUBECONFIG} (admin kubeconfig), {@code SIM_S3_ENV} (its s3.env),
 * {@code SIM_CLUSTER} (the sim-cluster script, for restarts; its SIM_STATE_DIR / SIM_PORT_BASE
 * are inherited), {@code SIM_KUBECTL} (the pinned kubectl, for diagnostics) and
 * {@code SIM_E2E_DIR} (a scratch directory the tests and the process node's pods both see).
 */
final class SimCluster implements AutoCloseable {

    static final String KUBECONFIG_VARIABLE = "SIM_KUBECONFIG";
    static final String NAMESPACE = "notebook-jobs";
    static final String PROCESS_NODE = "sim-process-node";
    static final String CREDENTIALS_SECRET = "notebook-jobs-s3";

    final Path kubeconfig;
    final Map<String, String> s3Env;
    final Path script;
    final String kubectl;
    final Path scratch;
    private final KubernetesClient kube;
    private final S3Client s3;

    private SimCluster(Path kubeconfig, Map<String, String> s3Env, Path script, String kubectl, Path scratch) {
        this.kubeconfig = kubeconfig;
        this.s3Env = s3Env;
        this.script = script;
        this.kubectl = kubectl;
        this.scratch = scratch;
        try {
            this.kube = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.s3 = S3Client.builder()
                .endpointOverride(URI.create(s3Env.get("S3_ENDPOINT_URL")))
                .region(Region.of(s3Env.getOrDefault("AWS_REGION", "us-east-1")))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        s3Env.get("AWS_ACCESS_KEY_ID"), s3Env.get("AWS_SECRET_ACCESS_KEY"))))
                .build();
    }

    static SimCluster fromEnvironment() {
        Path kubeconfig = Path.of(required(KUBECONFIG_VARIABLE));
        Path s3EnvFile = Path.of(System.getenv().getOrDefault("SIM_S3_ENV",
                kubeconfig.resolveSibling("s3.env").toString()));
        Path script = Path.of(System.getenv().getOrDefault("SIM_CLUSTER", "local-dev/sim-cluster/sim-cluster"));
        String kubectl = System.getenv().getOrDefault("SIM_KUBECTL", "kubectl");
        Path scratch = Path.of(System.getenv().getOrDefault("SIM_E2E_DIR",
                kubeconfig.resolveSibling("e2e").toString()));
        // The process node rewrites /work and /tmp (the pods' emptyDir mounts) wherever they appear
        // in a pod's environment, so a path the tests share with notebooks must be elsewhere.
        if (scratch.toAbsolutePath().startsWith("/tmp") || scratch.toAbsolutePath().startsWith("/work")) {
            throw new IllegalStateException("SIM_E2E_DIR " + scratch + " is under /tmp or /work, which the process "
                    + "node maps into each pod; use another directory");
        }
        try {
            Files.createDirectories(scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new SimCluster(kubeconfig, readEnvFile(s3EnvFile), script, kubectl, scratch);
    }

    private static String required(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: run local-dev/sim-cluster/run-e2e.sh");
        }
        return value;
    }

    private static Map<String, String> readEnvFile(Path file) {
        Map<String, String> env = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    env.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sim-cluster's S3 settings " + file, e);
        }
        return env;
    }

    KubernetesClient kube() {
        return kube;
    }

    String bucket() {
        return s3Env.get("S3_BUCKET");
    }

    /** The environment of a service using this cluster and its S3, as a deployment would set it. */
    Map<String, String> serviceEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("KUBECONFIG", kubeconfig.toString());
        env.put("K8S_NAMESPACE", NAMESPACE);
        env.put("S3_BUCKET", bucket());
        env.put("S3_ENDPOINT_URL", s3Env.get("S3_ENDPOINT_URL"));
        env.put("AWS_REGION", s3Env.getOrDefault("AWS_REGION", "us-east-1"));
        env.put("AWS_ACCESS_KEY_ID", s3Env.get("AWS_ACCESS_KEY_ID"));
        env.put("AWS_SECRET_ACCESS_KEY", s3Env.get("AWS_SECRET_ACCESS_KEY"));
        env.put("NOTEBOOK_JOBS_S3_PATH_STYLE", "true");
        env.put("NOTEBOOK_JOBS_S3_CREDENTIALS_SECRET_NAME", CREDENTIALS_SECRET);
        // The process node runs whatever notebook-executor is on its PATH; the image is not used.
        env.put("K8S_IMAGE", "notebook-jobs/executor:e2e");
        env.put("NOTEBOOK_JOBS_RESOURCES_DEFAULT_CPU", "500m");
        env.put("NOTEBOOK_JOBS_RESOURCES_DEFAULT_MEMORY", "1Gi");
        env.put("NOTEBOOK_JOBS_KUBE_DIAGNOSIS_INTERVAL", "1s");
        return env;
    }

    // ---- S3

    /** Keys under the job's prefix, relative to it ("output/x.ipynb"). */
    List<String> objectsOf(String jobId) {
        String prefix = "jobs/" + jobId + "/";
        return s3.listObjectsV2Paginator(b -> b.bucket(bucket()).prefix(prefix)).contents().stream()
                .map(S3Object::key).map(k -> k.substring(prefix.length())).sorted().toList();
    }

    // ---- gates: files that let a running notebook (e2e/gated.ipynb) end

    /** A fresh gate path; the notebook waits until the file exists. */
    Path newGate(String name) {
        return scratch.resolve(name + "-" + java.util.UUID.randomUUID());
    }

    /** The gate as the notebook's {@code gate} parameter (a Python string expression). */
    static String gateParameter(Path gate) {
        return "'" + gate.toAbsolutePath() + "'";
    }

    /** Lets the notebook end normally. */
    static void open(Path gate) {
        write(gate, "open");
    }

    /** Makes the notebook's cell raise RuntimeError: the test asked this run to fail. */
    static void fail(Path gate) {
        write(gate, "fail");
    }

    private static void write(Path gate, String content) {
        try {
            Path partial = gate.resolveSibling(gate.getFileName() + ".partial");
            Files.writeString(partial, content);
            Files.move(partial, gate, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True once the notebook's waiting cell runs (it creates {@code <gate>.started}). */
    static boolean started(Path gate) {
        return Files.exists(gate.resolveSibling(gate.getFileName() + ".started"));
    }

    // ---- Kubernetes

    /** The Job of a job: a run of a definition is named by its CronJob, and its job id is that name. */
    Job job(String jobId) {
        String name = jobId.startsWith("nb-jobdef-") ? jobId : "nb-job-" + jobId;
        return kube.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get();
    }

    List<Pod> pods(String jobId) {
        return kube.pods().inNamespace(NAMESPACE).withLabel("scheduler.jupyter.org/job-id", jobId).list().getItems();
    }

    boolean secretExists(String jobId) {
        return kube.secrets().inNamespace(NAMESPACE).withName("nb-job-" + jobId + "-env").get() != null;
    }

    /** Process ids of local processes (executor, kernel) started for the job by the process node. */
    static List<Long> processesOf(String jobId) {
        byte[] marker = ("NBJ_JOB_ID=" + jobId + "\0").getBytes(StandardCharsets.UTF_8);
        List<Long> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
                try {
                    byte[] environ = Files.readAllBytes(p.resolve("environ"));
                    if (indexOf(environ, marker) >= 0) {
                        found.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (IOException | RuntimeException gone) {
                    // exited meanwhile, or not ours to read
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ---- commands

    /** Runs kubectl against the cluster and returns its output (for diagnostics; never throws). */
    String kubectl(String... args) {
        List<String> command = new ArrayList<>(List.of(kubectl, "--kubeconfig", kubeconfig.toString(), "-n", NAMESPACE));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p));
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            return "(kubectl " + String.join(" ", args) + " failed: " + e + ")";
        }
    }

    /** What a command printed (stdout and stderr) and how it exited. */
    record Result(int exitCode, String output) {
    }

    /** Runs kubectl against the cluster (no default namespace) and reports its exit code. */
    Result kubectlExit(String... args) {
        List<String> command = new ArrayList<>(List.of(kubectl, "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p));
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "kubectl " + String.join(" ", args) + " timed out");
            }
            return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS));
        } catch (Exception e) {
            return new Result(-1, "kubectl " + String.join(" ", args) + " failed: " + e);
        }
    }

    /**
     * Starts {@code sim-cluster restart-apiserver --down SECONDS}: the API server stops, stays down
     * for that long (etcd and everything else keep running), then starts again.
     */
    Restart restartApiServer(Duration down) {
        try {
            Process p = new ProcessBuilder(script.toString(), "restart-apiserver", "--down",
                    Long.toString(down.toSeconds())).redirectErrorStream(true).start();
            return new Restart(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A running {@code restart-apiserver}, with its output. */
    static final class Restart {
        private final Process process;
        private final StringBuffer output = new StringBuffer();
        private final CompletableFuture<Void> stopped = new CompletableFuture<>();

        Restart(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        output.append(line).append('\n');
                        if (line.contains("stopped kube-apiserver")) {
                            stopped.complete(null);
                        }
                    }
                } catch (IOException ignored) {
                    // process gone
                }
            }, "restart-apiserver-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits until the API server process has exited. */
        void awaitDown(Duration within) {
            try {
                stopped.get(within.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("kube-apiserver was not stopped within " + within + ":\n" + output, e);
            }
        }

        boolean running() {
            return process.isAlive();
        }

        /** Waits until the API server is back (the command waits for /readyz and admin access). */
        void awaitUp(Duration within) {
            try {
                if (!process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new AssertionError("restart-apiserver did not finish within " + within + ":\n" + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (process.exitValue() != 0) {
                throw new AssertionError("restart-apiserver failed (exit " + process.exitValue() + "):\n" + output);
            }
        }

        String output() {
            return output.toString();
        }
    }

    private static String readAll(Process p) {
        try {
            return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        kube.close();
        s3.close();
    }
}
