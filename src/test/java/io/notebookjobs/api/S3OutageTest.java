package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * With S3 unreachable a replica stays ready: history is served from its cache, while what needs
 * S3 answers 503 naming it. (Readiness once included the bucket, so an S3 outage took every
 * replica out of its Service, reads and all.)
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(S3OutageTest.NoS3.class)
class S3OutageTest extends ServiceTest {

    public static class NoS3 implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // Nothing listens there: every S3 call fails at once.
            return Map.of("notebook-jobs.s3.endpoint-url", "http://127.0.0.1:9");
        }
    }

    @Test
    void readsStayUpAndWritesThatNeedS3NameIt() {
        given().when().get("/q/health/ready").then().statusCode(200);
        given().when().get("/q/health/well").then().statusCode(503)
                .body("checks.find { it.name == 's3-bucket' }.status", equalTo("DOWN"));
        given().when().get("/scheduler/jobs?max_items=0").then().statusCode(200).body("total_count", equalTo(0));
        given().when().get("/scheduler/jobs/count").then().statusCode(200);
        Api.submit(job("no s3"), Api.notebook("hello.ipynb"), Map.of()).statusCode(503)
                .body("message", startsWith("The object store failed"));
        given().when().get("/scheduler/jobs").then().statusCode(200).body("jobs.name", org.hamcrest.Matchers.not(hasItem("no s3")));
        org.assertj.core.api.Assertions.assertThat(k8s().batch().v1().jobs().inNamespace(NAMESPACE).list().getItems())
                .as("no Job without its input").isEmpty();
    }
}
