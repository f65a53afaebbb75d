package io.notebookjobs.kube;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.fabric8.mockwebserver.http.RecordedRequest;

/**
 * The service opens one watch per kind (Jobs, Pods, CronJobs, Events), whatever the number of
 * jobs, and answers history, definitions, get and count from its cache: not one LIST reaches the
 * API server.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
class WatchEfficiencyTest extends ServiceTest {

    @Test
    void historyIsServedFromTheCacheWithAConstantNumberOfWatches() throws Exception {
        Set<String> watched = new TreeSet<>();
        for (RecordedRequest r : drain()) {
            if (isServiceWatch(r)) {
                watched.add(r.getPath().replaceAll("\\?.*", ""));
            }
        }
        assertThat(watched).containsExactly("/api/v1/namespaces/test/events", "/api/v1/namespaces/test/pods",
                "/apis/batch/v1/namespaces/test/cronjobs", "/apis/batch/v1/namespaces/test/jobs");

        List<RecordedRequest> withFewJobs = historyRequests(Api.submit(job("few")));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(Api.submit(job("many " + i)));
        }
        for (int i = 0; i < 5; i++) {
            Api.submitDefinition(Api.createDefinition("many " + i, "0 0 * * *", null));
        }
        drain();
        List<RecordedRequest> withManyJobs = historyRequests(ids.get(0));

        for (List<RecordedRequest> requests : List.of(withFewJobs, withManyJobs)) {
            assertThat(requests.stream().filter(WatchEfficiencyTest::isList).map(RecordedRequest::getPath))
                    .as("LIST requests while serving history").isEmpty();
            assertThat(requests.stream().filter(WatchEfficiencyTest::isServiceWatch).map(RecordedRequest::getPath))
                    .as("new watches while serving history").isEmpty();
        }
    }

    /** 50 rounds of list, get and count, and what reached the API server meanwhile. */
    private List<RecordedRequest> historyRequests(String someJob) throws InterruptedException {
        drain();
        for (int i = 0; i < 50; i++) {
            given().when().get("/scheduler/jobs?max_items=25").then().statusCode(200);
            given().when().get("/scheduler/jobs/" + someJob).then().statusCode(200);
            given().when().get("/scheduler/jobs/count?status=QUEUED").then().statusCode(200);
            given().when().get("/scheduler/job_definitions?max_items=25").then().statusCode(200);
        }
        return drain();
    }

    private List<RecordedRequest> drain() throws InterruptedException {
        var mock = server.getKubernetesMockServer();
        List<RecordedRequest> requests = new ArrayList<>();
        RecordedRequest r;
        while ((r = mock.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
            requests.add(r);
        }
        return requests;
    }

    /** The service's watches select its own objects; the fake controller watches all Jobs. */
    private static boolean isServiceWatch(RecordedRequest r) {
        String path = r.getPath();
        return path.contains("watch=true")
                && (path.contains("labelSelector=app.kubernetes.io%2Fmanaged-by") || path.startsWith("/api/v1/namespaces/test/events"));
    }

    /** A collection GET that is not a watch; the fake controller's pod lookups select by job name. */
    private static boolean isList(RecordedRequest r) {
        String path = r.getPath();
        String collection = path.replaceAll("\\?.*", "");
        boolean isCollection = collection.endsWith("/jobs") || collection.endsWith("/pods")
                || collection.endsWith("/events") || collection.endsWith("/cronjobs");
        return "GET".equals(r.getMethod()) && isCollection && !path.contains("watch=true")
                && !path.contains("batch.kubernetes.io%2Fjob-name");
    }
}
