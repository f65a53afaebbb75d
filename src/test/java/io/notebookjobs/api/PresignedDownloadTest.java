package io.notebookjobs.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

/** With presigned downloads on, a file request is a redirect to a short-lived URL of the store. */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(PresignedDownloadTest.Presigned.class)
class PresignedDownloadTest extends ServiceTest {

    public static class Presigned implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("notebook-jobs.s3.presigned-downloads", "true", "notebook-jobs.s3.presigned-url-ttl", "2m");
        }
    }

    @Test
    void redirectsToAUrlThatWorksWithoutCredentials() throws Exception {
        String id = Api.submit(job("presigned"));
        put("jobs/" + id + "/files/results/summary.txt", "42\n".getBytes(StandardCharsets.UTF_8));

        String location = given().redirects().follow(false)
                .when().get("/scheduler/jobs/" + id + "/files/files/results/summary.txt")
                .then().statusCode(307).extract().header("Location");
        assertThat(location).startsWith(s3.endpoint() + "/" + S3ProxyResource.BUCKET + "/jobs/" + id + "/files/results/summary.txt?")
                .contains("X-Amz-Expires=120");

        HttpResponse<String> download = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.body()).isEqualTo("42\n");
        given().redirects().follow(false).when().get("/scheduler/jobs/" + id + "/files/output/missing.html")
                .then().statusCode(404);
    }
}
