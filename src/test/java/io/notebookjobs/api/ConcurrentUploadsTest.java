package io.notebookjobs.api;

import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
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
 * Uploads are spooled to the replica's disk, so only so many are received at once: one more is
 * a 503 to retry, before a byte of it is read; once an upload ends the next one is taken.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(ConcurrentUploadsTest.OneAtATime.class)
class ConcurrentUploadsTest extends ServiceTest {

    public static class OneAtATime implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("notebook-jobs.limits.max-concurrent-uploads", "1");
        }
    }

    @Test
    void uploadsBeyondTheLimitAreAskedToRetry() throws Exception {
        try (Socket slow = new Socket("127.0.0.1", io.restassured.RestAssured.port)) {
            // An upload that announces its body and sends it slowly: it holds the one place.
            OutputStream out = slow.getOutputStream();
            out.write(("POST /scheduler/jobs HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: multipart/form-data; boundary=slow\r\nContent-Length: 100000\r\n\r\n--slow\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            eventually().untilAsserted(() -> Api.submit(job("waits its turn"), Api.notebook("hello.ipynb"), Map.of())
                    .statusCode(503).header("Retry-After", equalTo("5"))
                    .body("message", startsWith("This replica is receiving 1 uploads already")));
            // Reads are not uploads: they are served meanwhile.
            io.restassured.RestAssured.get("/scheduler/jobs?max_items=0").then().statusCode(200);
        }
        eventually().untilAsserted(() -> Api.submit(job("its turn"), Api.notebook("hello.ipynb"), Map.of())
                .statusCode(200));
    }
}
