package io.notebookjobs.bench;

import static io.restassured.RestAssured.given;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.model.Quantity;
import io.notebookjobs.jobs.RunSettings;
import io.notebookjobs.kube.JobManifests;
import io.notebookjobs.storage.JobPaths;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * How history scales: N Jobs (each with its pod) in the cluster, then the latency of list, get
 * and count, and the heap they take. Prints numbers; asserts nothing about speed.
 * Run: ./mvnw test -Dtest=HistoryBenchmark -Dbenchmark=true [-Dbenchmark.jobs=5000]
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class HistoryBenchmark extends ServiceTest {

    @Inject
    JobManifests manifests;

    @Inject
    io.notebookjobs.kube.JobCache cache;

    @Test
    void historyWithManyJobs() {
        int n = Integer.getInteger("benchmark.jobs", 5000);
        long heapBefore = usedHeapAfterGc();
        long start = System.nanoTime();
        String someId = null;
        for (int i = 0; i < n; i++) {
            String id = UUID.randomUUID().toString();
            someId = id;
            JobRecord record = new JobRecord(id, "bench " + i, "alice", "report.ipynb", "default",
                    Map.of("cpu", "1", "memory", "2Gi"), List.of("ipynb", "html"), Map.of("region", "'eu'"),
                    List.of("bench"), null, null, null, null, false, List.of(), System.currentTimeMillis() - i * 1000L,
                    3600, 0, "py", null, null, null);
            Job job = manifests.job(record, new RunSettings(Quantity.parse("1"), Quantity.parse("2Gi"), 0, Map.of(),
                    Duration.ofHours(1), 0, Map.of(), io.notebookjobs.model.PodProfile.NONE), JobPaths.forJob("", id), "executor", "nb-job-" + id + "-env");
            k8s().batch().v1().jobs().inNamespace(NAMESPACE).resource(job).create();
        }
        Awaitility.await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofSeconds(1)).until(() ->
                given().when().get("/scheduler/jobs?max_items=0&tags=bench").then().extract().<Integer>path("total_count") >= n);
        double loadSeconds = (System.nanoTime() - start) / 1e9;
        long heapAfter = usedHeapAfterGc();

        double[] list = time(100, () -> given().when().get("/scheduler/jobs?max_items=25").then().statusCode(200));
        double[] filtered = time(100, () -> given().when().get("/scheduler/jobs?max_items=25&status=COMPLETED&sort_by=name")
                .then().statusCode(200));
        String id = someId;
        double[] get = time(100, () -> given().when().get("/scheduler/jobs/" + id).then().statusCode(200));
        double[] count = time(100, () -> given().when().get("/scheduler/jobs/count?status=QUEUED").then().statusCode(200));

        System.out.printf("%nHistoryBenchmark: %d jobs (each with a pod), created and cached in %.1f s%n", n, loadSeconds);
        System.out.printf("  heap after GC: +%d MiB for the jobs (mock API server and service cache, same JVM)%n",
                (heapAfter - heapBefore) / (1024 * 1024));
        report("GET /scheduler/jobs?max_items=25", list);
        report("GET /scheduler/jobs?status=COMPLETED&sort_by=name", filtered);
        report("GET /scheduler/jobs/{id}", get);
        report("GET /scheduler/jobs/count", count);

        // What the service's cache holds per job, as JSON (the heap it takes grows with it; the
        // heap figure above also counts the mock API server's copies in this JVM).
        var json = k8s().getKubernetesSerialization();
        List<Job> cached = cache.all();
        double jobBytes = cached.stream().mapToInt(j -> json.asJson(j).length()).average().orElse(0);
        double podBytes = cached.stream().flatMap(j -> cache.observe(j).pods().stream())
                .mapToInt(p -> json.asJson(p).length()).average().orElse(0);
        double apiJobBytes = json.asJson(k8s().batch().v1().jobs().inNamespace(NAMESPACE)
                .withName(cached.get(0).getMetadata().getName()).get()).length();
        System.out.printf("  cached per job: Job %.0f bytes of JSON (the API server's: %.0f), its pod %.0f bytes%n",
                jobBytes, apiJobBytes, podBytes);
    }

    private static double[] time(int rounds, Runnable request) {
        for (int i = 0; i < 10; i++) {
            request.run();
        }
        double[] millis = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long t = System.nanoTime();
            request.run();
            millis[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(millis);
        return millis;
    }

    private static void report(String what, double[] sorted) {
        System.out.printf("  %-52s p50 %7.1f ms   p95 %7.1f ms%n", what, sorted[sorted.length / 2],
                sorted[(int) (sorted.length * 0.95)]);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
