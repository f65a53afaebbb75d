package io.notebookjobs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Issue item 12: two replicas against one cluster.
 * <ol>
 * <li>500 concurrent creates through both replicas, 250 tokens each sent twice, the two uses to
 * different replicas at the same moment: exactly 250 Jobs, one 200 and one documented 409 per
 * token naming the same job, every env Secret owned by its Job, one staged input per job in S3.
 * The jobs run on KWOK nodes (a policy profile pins them there), where their pods sit Running.</li>
 * <li>The leader is killed while jobs run (three gated notebooks on the process node and the 250
 * KWOK pods): the other replica takes the Lease, every job that ends before or after the
 * takeover gets its outcome, and no Job's outcome annotation ever takes two values (every Job
 * is watched from the start of the class).</li>
 * </ol>
 */
@SimClusterTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoReplicasE2EIT {

    static final int TOKENS = 250;
    static final int THREADS = 32;
    static final String LEASE = "notebook-jobs-leader";
    /** The service's Lease timings (Leadership: 15 s lease, 2 s retry with fabric8's jitter factor 1.2). */
    static final Duration LEASE_DURATION = Duration.ofSeconds(10);
    static final Duration RETRY_PERIOD = Duration.ofSeconds(2);
    static final String OUTCOME = "scheduler.jupyter.org/outcome";
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String JOB_ID = "scheduler.jupyter.org/job-id";
    static final String JOB_DATA = "scheduler.jupyter.org/job-data";
    static final String KWOK_COMPLETE = "sim.notebook-jobs.io/kwok-complete-after";

    /** Profiles: the default runs on the process node; "kwok" pins a small pod onto the KWOK nodes (any taint). */
    static final String POLICY = """
            default_profile: standard
            profiles:
              standard:
                display_name: Standard
                custom: true
              kwok:
                display_name: Simulated node
                cpu: "10m"
                memory: 32Mi
                node_selector: {sim.notebook-jobs.io/kwok: "true"}
                tolerations: [{operator: Exists}]
            everyone:
              profiles: [standard, kwok]
              default_profile: standard
              limits: {max_cpu: "2", max_memory: 4Gi, max_gpu: 0}
            """;

    static SimCluster cluster;
    static final Map<String, E2EService> replicas = new LinkedHashMap<>();
    static SharedIndexInformer<Job> outcomeWatch;
    /** Every distinct value of the outcome annotation each Job (by name) had, in order. */
    static final Map<String, Set<String>> outcomes = new ConcurrentHashMap<>();
    static final String prefix = "e2e replicas " + UUID.randomUUID().toString().substring(0, 8);
    /** token -> job id, filled by the first test. */
    static final Map<String, String> jobs = new TreeMap<>();
    static long classStart;

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        classStart = System.nanoTime();
        cluster = SimCluster.fromEnvironment();
        Path policy = cluster.scratch.resolve("two-replicas-policy-" + UUID.randomUUID() + ".yaml");
        Files.writeString(policy, POLICY);
        outcomeWatch = cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE)
                .withLabel(MANAGED_BY, "notebook-jobs").inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Job job) {
                        record(job);
                    }

                    @Override
                    public void onUpdate(Job old, Job job) {
                        record(job);
                    }

                    @Override
                    public void onDelete(Job job, boolean unknownFinalState) {
                        record(job);
                    }
                }, 0);
        io.notebookjobs.testing.JupyterHubServer.get();
        // Both at once (each takes a while to boot); distinct HOSTNAMEs make distinct Lease identities.
        Map<String, CompletableFuture<E2EService>> starting = new LinkedHashMap<>();
        for (String host : List.of("e2e-replica-a", "e2e-replica-b")) {
            starting.put(host, CompletableFuture.supplyAsync(() -> E2EService.start(cluster,
                    Map.of("HOSTNAME", host, "NOTEBOOK_JOBS_POLICY_FILE", policy.toString(),
                            // The default (4 uploads at once, then 503) would refuse most of the burst.
                            "NOTEBOOK_JOBS_LIMITS_MAX_CONCURRENT_UPLOADS", Integer.toString(THREADS)))));
        }
        for (var e : starting.entrySet()) {
            replicas.put(e.getKey(), e.getValue().get(180, TimeUnit.SECONDS));
        }
        Diagnostics.watch(cluster, List.copyOf(replicas.values()));
        E2EService.log("two replicas up after %.1f s", E2EService.seconds(classStart));
    }

    /**
     * Deletes the jobs directly (Job, env Secret, files), a few at a time: through the API the
     * leader's JobDeleter takes one job after the other, over two minutes for 250, and later
     * classes of the suite would run beside them.
     */
    @AfterAll
    static void cleanUp() {
        long t0 = System.nanoTime();
        if (outcomeWatch != null) {
            outcomeWatch.close();
        }
        List<String> ids = replicas.values().stream().flatMap(r -> r.createdJobIds().stream()).distinct().toList();
        if (cluster != null) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try (S3Client s3 = s3()) {
                for (String id : ids) {
                    pool.submit(() -> deleteDirectly(s3, id));
                }
                pool.shutdown();
                awaitQuietly(pool);
            }
            try {
                replicas.values().iterator().next().await("the Jobs of this class to be gone", Duration.ofSeconds(60),
                        () -> cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE)
                                .withLabel(MANAGED_BY, "notebook-jobs").list().getItems().stream()
                                .filter(j -> ids.contains(j.getMetadata().getLabels().get(JOB_ID))).count(),
                        n -> n == 0);
            } catch (AssertionError e) {
                E2EService.log("cleanup: Jobs of this class still there after 60 s");
            }
        }
        for (E2EService r : replicas.values()) {
            r.close();
        }
        E2EService.log("cleanup of %d jobs took %.1f s; the class took %.1f s", ids.size(), E2EService.seconds(t0),
                E2EService.seconds(classStart));
        if (cluster != null) {
            cluster.close();
        }
    }

    private static void deleteDirectly(S3Client s3, String id) {
        try {
            cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE).withName("nb-job-" + id)
                    .withPropagationPolicy(io.fabric8.kubernetes.api.model.DeletionPropagation.BACKGROUND).delete();
            cluster.kube().secrets().inNamespace(SimCluster.NAMESPACE).withName("nb-job-" + id + "-env").delete();
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(cluster.bucket()).prefix("jobs/" + id + "/"))
                    .contents()) {
                s3.deleteObject(b -> b.bucket(cluster.bucket()).key(o.key()));
            }
        } catch (RuntimeException e) {
            E2EService.log("cleanup of %s failed: %s", id, e);
        }
    }

    // ---- 1. concurrent creates with repeated tokens

    record Answer(String token, String replica, int status, String body, long startNanos, Duration took) {
    }

    @Test
    @Order(1)
    void fiveHundredConcurrentCreatesThroughBothReplicasMakeExactlyOneJobPerToken() throws Exception {
        List<String> hosts = List.copyOf(replicas.keySet());
        String run = UUID.randomUUID().toString().substring(0, 8);
        List<Future<Answer>> futures = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        long t0 = System.nanoTime();
        try {
            for (int i = 0; i < TOKENS; i++) {
                String token = "two-replicas-" + run + "-" + i;
                Map<String, Object> body = E2EService.job(prefix + " " + i, List.of("ipynb"), Map.of());
                body.put("idempotency_token", token);
                Map<String, Object> runtime = E2EService.runtimeParameters(body);
                runtime.put("profile", "kwok");
                runtime.put("env.GREETING", "hello " + i);
                // The two uses of a token go to different replicas, one right after the other into the
                // pool, so two of its threads send them at about the same moment; which replica gets
                // the first varies.
                boolean swap = ThreadLocalRandom.current().nextBoolean();
                for (String host : swap ? List.of(hosts.get(1), hosts.get(0)) : hosts) {
                    E2EService replica = replicas.get(host);
                    futures.add(pool.submit(() -> {
                        long start = System.nanoTime();
                        E2EService.Response r = replica.createRaw(body, "gated.ipynb");
                        return new Answer(token, host, r.status(), r.body(), start, r.took());
                    }));
                }
            }
            List<Answer> answers = new ArrayList<>();
            for (Future<Answer> f : futures) {
                answers.add(f.get(5, TimeUnit.MINUTES));
            }
            double wall = E2EService.seconds(t0);
            printNumbers(answers, wall);
            assertAnswers(answers);
        } finally {
            pool.shutdownNow();
        }

        // Exactly 250 Jobs for this prefix, the ones the tokens name.
        List<Job> ours = cluster.kube().batch().v1().jobs().inNamespace(SimCluster.NAMESPACE)
                .withLabel(MANAGED_BY, "notebook-jobs").list().getItems().stream()
                .filter(j -> jobData(j).get("name") instanceof String n && n.startsWith(prefix + " ")).toList();
        assertThat(ours).as("Jobs of this test").hasSize(TOKENS);
        assertThat(ours).extracting(j -> j.getMetadata().getLabels().get(JOB_ID))
                .containsExactlyInAnyOrderElementsOf(jobs.values());
        assertThat(replicas.values().iterator().next().get("/jobs?max_items=0&" + E2EService.query("name", prefix)).json().get("total_count"))
                .as("total_count in the history").isEqualTo(TOKENS);

        // Every env Secret belongs to its Job: none without an owner, none of an attempt that lost.
        Map<String, Job> byName = ours.stream().collect(Collectors.toMap(j -> j.getMetadata().getName(), j -> j));
        List<Secret> secrets = cluster.kube().secrets().inNamespace(SimCluster.NAMESPACE)
                .withLabel(MANAGED_BY, "notebook-jobs").list().getItems();
        List<String> unowned = secrets.stream().filter(s -> s.getMetadata().getOwnerReferences() == null
                || s.getMetadata().getOwnerReferences().isEmpty()).map(s -> s.getMetadata().getName()).toList();
        assertThat(unowned).as("env Secrets without an owner").isEmpty();
        List<Secret> ourSecrets = secrets.stream().filter(s -> jobs.containsValue(s.getMetadata().getLabels().get(JOB_ID)))
                .toList();
        assertThat(ourSecrets).as("env Secrets of this test's jobs").hasSize(TOKENS);
        for (Secret s : ourSecrets) {
            String jobName = "nb-job-" + s.getMetadata().getLabels().get(JOB_ID);
            assertThat(s.getMetadata().getName()).isEqualTo(jobName + "-env");
            List<OwnerReference> owners = s.getMetadata().getOwnerReferences();
            assertThat(owners).as("owners of %s", s.getMetadata().getName()).hasSize(1);
            assertThat(owners.get(0).getUid()).as("owner of %s", s.getMetadata().getName())
                    .isEqualTo(byName.get(jobName).getMetadata().getUid());
        }

        // S3: each job has the one input its Job reads; a losing attempt left nothing.
        Map<String, Set<String>> inputFolders = new HashMap<>();
        try (S3Client s3 = s3()) {
            for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(cluster.bucket()).prefix("jobs/")).contents()) {
                String[] parts = o.key().split("/");
                if (parts.length >= 3 && jobs.containsValue(parts[1])) {
                    inputFolders.computeIfAbsent(parts[1], k -> new LinkedHashSet<>())
                            .add(parts[0] + "/" + parts[1] + "/" + parts[2] + "/");
                }
            }
        }
        List<String> problems = new ArrayList<>();
        for (Job j : ours) {
            String id = j.getMetadata().getLabels().get(JOB_ID);
            Set<String> folders = inputFolders.getOrDefault(id, Set.of());
            // The input the Job's executor reads (its NBJ_INPUT_PREFIX).
            Object recorded = j.getSpec().getTemplate().getSpec().getContainers().stream()
                    .flatMap(c -> c.getEnv().stream()).filter(e -> "NBJ_INPUT_PREFIX".equals(e.getName()))
                    .map(e -> e.getValue()).findFirst().orElse(null);
            if (!folders.equals(Set.of(String.valueOf(recorded)))) {
                problems.add(id + ": the Job reads " + recorded + ", S3 has " + folders);
            }
        }
        assertThat(problems).as("S3 input folders other than the one their Job reads").isEmpty();
        E2EService.log("250 Jobs, 250 owned Secrets, 250 input folders; the test took %.1f s", E2EService.seconds(t0));
    }

    private static void printNumbers(List<Answer> answers, double wall) {
        List<Long> millis = answers.stream().map(a -> a.took().toMillis()).sorted().toList();
        List<Long> created = answers.stream().filter(a -> a.status() == 200).map(a -> a.took().toMillis()).sorted()
                .toList();
        List<Long> refused = answers.stream().filter(a -> a.status() == 409).map(a -> a.took().toMillis()).sorted()
                .toList();
        Map<String, Long> perReplica = answers.stream().filter(a -> a.status() == 200)
                .collect(Collectors.groupingBy(Answer::replica, TreeMap::new, Collectors.counting()));
        Map<Integer, Long> statuses = answers.stream()
                .collect(Collectors.groupingBy(Answer::status, TreeMap::new, Collectors.counting()));
        E2EService.log("%d creates (%d threads) in %.1f s: %.1f creates/s; statuses %s; jobs created per replica %s",
                answers.size(), THREADS, wall, answers.size() / wall, statuses, perReplica);
        E2EService.log("latency all: p50 %d ms, p99 %d ms, max %d ms; 200s: p50 %d ms, p99 %d ms; 409s: p50 %d ms, "
                + "p99 %d ms", percentile(millis, 50), percentile(millis, 99), millis.get(millis.size() - 1),
                percentile(created, 50), percentile(created, 99), percentile(refused, 50), percentile(refused, 99));
        Map<String, List<Answer>> byToken = answers.stream().collect(Collectors.groupingBy(Answer::token));
        List<Long> gaps = byToken.values().stream().filter(l -> l.size() == 2)
                .map(l -> Math.abs(l.get(0).startNanos() - l.get(1).startNanos()) / 1_000_000).sorted().toList();
        E2EService.log("the two sends of a token started within p50 %d ms, max %d ms of each other",
                percentile(gaps, 50), gaps.get(gaps.size() - 1));
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return -1;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }

    /** Per token: one 200 {"job_id": id} and one 409 with the documented message naming that id, from different replicas. */
    private static void assertAnswers(List<Answer> answers) {
        Map<String, List<Answer>> byToken = answers.stream()
                .collect(Collectors.groupingBy(Answer::token, TreeMap::new, Collectors.toList()));
        assertThat(byToken).hasSize(TOKENS);
        List<String> wrong = new ArrayList<>();
        for (var e : byToken.entrySet()) {
            String token = e.getKey();
            String id = idFromToken(E2EService.USER, token);
            List<Answer> two = e.getValue();
            List<Integer> statuses = two.stream().map(Answer::status).sorted().toList();
            if (!statuses.equals(List.of(200, 409))) {
                wrong.add(token + ": " + two.stream().map(a -> a.replica() + " " + a.status() + " " + a.body()).toList());
                continue;
            }
            Answer ok = two.stream().filter(a -> a.status() == 200).findFirst().orElseThrow();
            Answer duplicate = two.stream().filter(a -> a.status() == 409).findFirst().orElseThrow();
            Map<String, Object> okBody = json(ok.body());
            Map<String, Object> expected409 = new LinkedHashMap<>();
            expected409.put("message", "idempotency_token: a job with token '" + token + "' already exists (" + id + ")");
            expected409.put("reason", null);
            if (!okBody.equals(Map.of("job_id", id))) {
                wrong.add(token + ": 200 from " + ok.replica() + " answered " + ok.body() + ", expected job " + id);
            } else if (!json(duplicate.body()).equals(expected409)) {
                wrong.add(token + ": 409 from " + duplicate.replica() + " answered " + duplicate.body());
            }
            assertThat(ok.replica()).isNotEqualTo(duplicate.replica());
            jobs.put(token, id);
        }
        assertThat(wrong).as("tokens whose two creates did not answer as docs/api.md says").isEmpty();
    }

    // ---- 2. the leader dies while jobs run

    @Test
    @Order(2)
    void whenTheLeaderIsKilledAnotherLeadsAndEveryRunningJobGetsOneOutcome() {
        assertThat(jobs).as("the jobs of the first test").hasSize(TOKENS);
        List<String> kwokJobs = List.copyOf(jobs.values());
        List<String> endDuringGap = kwokJobs.subList(0, 20);
        List<String> endAfterTakeover = kwokJobs.subList(20, 40);
        E2EService any = replicas.values().iterator().next();
        any.await("the 250 KWOK pods to run", Duration.ofSeconds(120), () -> cluster.kube().pods()
                .inNamespace(SimCluster.NAMESPACE).withLabel(MANAGED_BY, "notebook-jobs").list().getItems().stream()
                .filter(p -> jobs.containsValue(p.getMetadata().getLabels().get(JOB_ID)))
                .filter(p -> "Running".equals(p.getStatus().getPhase())).count(), n -> n == TOKENS);

        // Three notebooks running the real executor on the process node, created through both replicas.
        List<E2EService> both = List.copyOf(replicas.values());
        List<Path> gates = new ArrayList<>();
        List<String> gated = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Path gate = cluster.newGate("two-replicas-" + i);
            gates.add(gate);
            gated.add(both.get(i % 2).create(E2EService.job(prefix + " gated " + i, List.of("ipynb"),
                    Map.of("gate", SimCluster.gateParameter(gate))), "gated.ipynb"));
        }
        for (Path gate : gates) {
            any.await("the notebook waiting on " + gate.getFileName() + " to run", Duration.ofSeconds(120),
                    () -> SimCluster.started(gate), Boolean::booleanValue);
        }

        String leaderHost = awaitLeader(null);
        E2EService leader = replicas.get(leaderHost);
        String otherHost = replicas.keySet().stream().filter(h -> !h.equals(leaderHost)).findFirst().orElseThrow();
        E2EService survivor = replicas.get(otherHost);
        Lease before = lease();
        E2EService.log("%s leads (Lease holder %s, renewed %s); killing it", leaderHost,
                before.getSpec().getHolderIdentity(), before.getSpec().getRenewTime());

        leader.kill();
        long killed = System.nanoTime();
        // Jobs ending while nobody leads: one notebook and 20 KWOK pods.
        SimCluster.open(gates.get(0));
        completeKwokPods(endDuringGap);

        String newLeader = awaitLeader(otherHost);
        double takeover = E2EService.seconds(killed);
        Lease after = lease();
        ZonedDateTime lastRenewal = before.getSpec().getRenewTime();
        double sinceExpiry = Duration.between(lastRenewal.plus(LEASE_DURATION), after.getSpec().getAcquireTime())
                .toMillis() / 1e3;
        E2EService.log("%s leads %.1f s after the kill (Lease acquired %s, %.1f s after the old lease expired; "
                + "transitions %s)", newLeader, takeover, after.getSpec().getAcquireTime(), sinceExpiry,
                after.getSpec().getLeaseTransitions());
        // What the issue asks: a new leader within 15 s. A dead leader's Lease expires 10 s after
        // its last renewal (at most 10 s after the kill); the other replica tries every retry
        // period with fabric8's jitter (2 s to 4.4 s), so the takeover comes up to 14.4 s after.
        assertThat(takeover).as("seconds from the kill to the new leader").isLessThan(15.0);

        // The rest ends under the new leader.
        SimCluster.open(gates.get(1));
        SimCluster.open(gates.get(2));
        completeKwokPods(endAfterTakeover);

        Set<String> ended = Set.of("COMPLETED", "FAILED");
        Map<String, String> statusOf = new TreeMap<>();
        for (String id : gated) {
            Map<String, Object> job = survivor.awaitStatus(id, Set.of("COMPLETED"), Duration.ofSeconds(120));
            statusOf.put(id, (String) job.get("status"));
        }
        for (String id : concat(endDuringGap, endAfterTakeover)) {
            Map<String, Object> job = survivor.await("job " + id + " to end", Duration.ofSeconds(60),
                    () -> survivor.describe(id), j -> j != null && ended.contains((String) j.get("status")));
            statusOf.put(id, (String) job.get("status"));
        }
        E2EService.log("statuses of the jobs that ended: %s", statusOf.values().stream()
                .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting())));
        for (String id : concat(gated, concat(endDuringGap, endAfterTakeover))) {
            Job job = survivor.awaitOutcomeWritten(id);
            String outcome = job.getMetadata().getAnnotations().get(OUTCOME);
            assertThat(outcome).as("outcome of %s", id).contains("\"" + statusOf.get(id) + "\"");
        }
        // Still running, and nothing written on them.
        for (String id : kwokJobs.subList(40, kwokJobs.size())) {
            Job job = cluster.job(id);
            assertThat(job.getMetadata().getAnnotations()).as("annotations of the running %s", id)
                    .doesNotContainKey(OUTCOME);
        }

        // No Job's outcome ever had two values (the watch saw every write since the class began).
        E2EService.sleep(Duration.ofSeconds(2));
        Map<String, Set<String>> twice = new TreeMap<>();
        outcomes.forEach((name, values) -> {
            if (values.size() > 1) {
                twice.put(name, values);
            }
        });
        assertThat(twice).as("Jobs whose outcome annotation took more than one value").isEmpty();
        long withOutcome = concat(gated, concat(endDuringGap, endAfterTakeover)).stream()
                .filter(id -> outcomes.containsKey("nb-job-" + id)).count();
        assertThat(withOutcome).as("ended jobs whose outcome the watch saw").isEqualTo(43);
        assertThat(survivor.log()).contains(after.getSpec().getHolderIdentity() + " leads");
    }

    // ---- helpers

    private static void record(Job job) {
        Map<String, String> annotations = job.getMetadata().getAnnotations();
        String outcome = annotations == null ? null : annotations.get(OUTCOME);
        if (outcome != null) {
            outcomes.computeIfAbsent(job.getMetadata().getName(), k -> Collections.synchronizedSet(new LinkedHashSet<>()))
                    .add(outcome);
        }
    }

    /** The host whose replica holds the Lease (waits for one; with {@code host}, for that one). */
    private static String awaitLeader(String host) {
        E2EService any = replicas.values().stream().filter(TwoReplicasE2EIT::running).findFirst().orElseThrow();
        String holder = any.await(host == null ? "a replica to lead" : host + " to lead", Duration.ofSeconds(60), () -> {
            Lease lease = lease();
            return lease == null ? null : lease.getSpec().getHolderIdentity();
        }, h -> h != null && replicas.keySet().stream().anyMatch(r -> h.startsWith(r + "-"))
                && (host == null || h.startsWith(host + "-")));
        return replicas.keySet().stream().filter(r -> holder.startsWith(r + "-")).findFirst().orElseThrow();
    }

    private static Lease lease() {
        return cluster.kube().leases().inNamespace(SimCluster.NAMESPACE).withName(LEASE).get();
    }

    /** Lets the KWOK pods of these jobs succeed now (local-dev/sim-cluster/kwok/stages.yaml, pod-complete). */
    private static void completeKwokPods(List<String> ids) {
        for (String id : ids) {
            for (Pod pod : cluster.pods(id)) {
                cluster.kube().pods().inNamespace(SimCluster.NAMESPACE).withName(pod.getMetadata().getName())
                        .edit(p -> new io.fabric8.kubernetes.api.model.PodBuilder(p).editMetadata()
                                .addToAnnotations(KWOK_COMPLETE, "0s").endMetadata().build());
            }
        }
    }

    /** The job id the service derives from owner and token (JobService.idFromToken). */
    static String idFromToken(String owner, String token) {
        byte[] key = ("notebook-jobs idempotency\0" + owner + "\0" + token).getBytes(StandardCharsets.UTF_8);
        return UUID.nameUUIDFromBytes(key).toString();
    }

    private static Map<String, Object> jobData(Job job) {
        String data = job.getMetadata().getAnnotations() == null ? null : job.getMetadata().getAnnotations().get(JOB_DATA);
        return data == null ? Map.of() : json(data);
    }

    private static Map<String, Object> json(String text) {
        try {
            return E2EService.JSON.readValue(text, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {
            });
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    private static S3Client s3() {
        return S3Client.builder().endpointOverride(java.net.URI.create(cluster.s3Env.get("S3_ENDPOINT_URL")))
                .region(Region.of(cluster.s3Env.getOrDefault("AWS_REGION", "us-east-1"))).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        cluster.s3Env.get("AWS_ACCESS_KEY_ID"), cluster.s3Env.get("AWS_SECRET_ACCESS_KEY"))))
                .build();
    }

    private static boolean running(E2EService r) {
        try {
            r.port();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(5, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
