package io.notebookjobs.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.testing.TestConfig;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.transfer.s3.S3TransferManager;

/**
 * Staging against a real S3 server: run against s3proxy here and against MinIO where Docker
 * exists. Subclasses start the server and say how to reach it.
 */
abstract class ObjectStoreContract {

    static final String BUCKET = "staging-test";

    @TempDir
    Path dir;

    private S3Clients clients;
    private S3Client s3;
    private S3AsyncClient async;
    private S3TransferManager transfers;
    private S3Presigner presigner;
    ObjectStore store;

    /** endpoint, access key, secret key of a running server where BUCKET exists. */
    abstract String endpoint();

    abstract String accessKey();

    abstract String secretKey();

    @BeforeEach
    void connect() {
        System.setProperty("aws.accessKeyId", accessKey());
        System.setProperty("aws.secretAccessKey", secretKey());
        NotebookJobsConfig config = TestConfig.load(Map.of(
                "notebook-jobs.s3.bucket", BUCKET,
                "notebook-jobs.s3.endpoint-url", endpoint(),
                "notebook-jobs.s3.path-style", "true",
                "notebook-jobs.s3.region", "us-east-1",
                "notebook-jobs.s3.prefix", "deployment-a",
                "notebook-jobs.s3.multipart-threshold", "8M"));
        clients = new S3Clients(config);
        s3 = clients.s3Client();
        async = clients.s3AsyncClient();
        transfers = clients.transferManager(async);
        presigner = clients.presigner();
        store = new ObjectStore(s3, transfers, presigner, config);
    }

    @AfterEach
    void disconnect() {
        transfers.close();
        async.close();
        s3.close();
        presigner.close();
    }

    private Path file(String name, byte[] content) throws Exception {
        Path path = dir.resolve(name.replace('/', '_'));
        Files.write(path, content);
        return path;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void uploadsManyFilesAndLargeOnesInPartsUnderTheRootPrefix() throws Exception {
        assertThat(store.root()).isEqualTo("deployment-a/");
        byte[] large = new byte[20 * 1024 * 1024 + 123];
        new Random(7).nextBytes(large);
        List<ObjectStore.LocalFile> files = new ArrayList<>();
        files.add(new ObjectStore.LocalFile("big/model.bin", file("big", large)));
        for (int i = 0; i < 40; i++) {
            files.add(new ObjectStore.LocalFile("data/part-" + i + ".csv", file("part" + i, ("row " + i).getBytes(StandardCharsets.UTF_8))));
        }
        String prefix = store.root() + "jobs/j1/input/";
        store.uploadAll(prefix, files);

        assertThat(store.list(prefix)).hasSize(41);
        assertThat(store.head(prefix + "big/model.bin")).get().extracting(ObjectStore.StoredObject::size).isEqualTo((long) large.length);
        assertThat(sha256(store.read(prefix + "big/model.bin"))).isEqualTo(sha256(large));
        // Uploaded in parts: an S3 multipart ETag ends in -<number of parts>.
        assertThat(s3.headObject(r -> r.bucket(BUCKET).key(prefix + "big/model.bin")).eTag()).matches("\"?[0-9a-f]+-3\"?");
        assertThat(new String(store.read(prefix + "data/part-7.csv"), StandardCharsets.UTF_8)).isEqualTo("row 7");
    }

    @Test
    void aFailedUploadLeavesNothingBehind() throws Exception {
        String prefix = store.root() + "jobs/j2/input/";
        List<ObjectStore.LocalFile> files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            files.add(new ObjectStore.LocalFile("ok-" + i + ".txt", file("ok" + i, new byte[] { (byte) i })));
        }
        files.add(new ObjectStore.LocalFile("vanished.txt", dir.resolve("does-not-exist")));
        assertThatThrownBy(() -> store.uploadAll(prefix, files)).isInstanceOf(StorageException.class)
                .hasMessageContaining("upload to s3://" + BUCKET + "/" + prefix + " failed");
        assertThat(store.list(prefix)).isEmpty();
    }

    @Test
    void copiesListsAndDeletesOnlyUnderAJobsPrefix() throws Exception {
        String source = store.root() + "users/alice/";
        store.uploadAll(source, List.of(new ObjectStore.LocalFile("nb.ipynb", file("nb", "{}".getBytes(StandardCharsets.UTF_8)))));
        String target = store.root() + "jobs/j3/input/";
        store.copyAll(target, List.of(new ObjectStore.Copy(source + "nb.ipynb", target + "nb.ipynb")));
        assertThat(store.list(target)).extracting(ObjectStore.StoredObject::key).containsExactly(target + "nb.ipynb");

        store.deletePrefix(store.root() + "jobs/j3/");
        assertThat(store.list(target)).isEmpty();
        assertThat(store.list(source)).hasSize(1);
        assertThatThrownBy(() -> store.deletePrefix(store.root())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.deletePrefix("")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.head(target + "missing")).isEmpty();
    }

    @Test
    void aPresignedUrlDownloadsTheObjectWithoutCredentials() throws Exception {
        String key = store.root() + "jobs/j4/output/report-2026-11-23-12-37-03-PM.html";
        store.uploadAll(store.root() + "jobs/j4/output/", List.of(new ObjectStore.LocalFile(
                "report-2026-11-23-12-37-03-PM.html", file("html", "<p>hi</p>".getBytes(StandardCharsets.UTF_8)))));
        URI url = store.presign(key, Duration.ofMinutes(1), "report.html");
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(url).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("<p>hi</p>");
        assertThat(response.headers().firstValue("Content-Disposition")).get().asString().contains("report.html");
    }

    @Test
    void knowsWhetherTheBucketAnswers() {
        assertThat(store.bucketReachable()).isTrue();
        NotebookJobsConfig other = TestConfig.load(Map.of("notebook-jobs.s3.bucket", "no-such-bucket",
                "notebook-jobs.s3.endpoint-url", endpoint(), "notebook-jobs.s3.path-style", "true",
                "notebook-jobs.s3.region", "us-east-1"));
        assertThat(new ObjectStore(s3, transfers, presigner, other).bucketReachable()).isFalse();
    }
}
