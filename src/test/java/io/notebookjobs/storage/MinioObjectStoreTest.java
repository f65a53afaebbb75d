package io.notebookjobs.storage;

import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The same staging tests against MinIO, where Docker is available; skipped cleanly without it
 * (S3ProxyObjectStoreTest covers the same behaviour everywhere).
 */
@Testcontainers(disabledWithoutDocker = true)
class MinioObjectStoreTest extends ObjectStoreContract {

    @Container
    static final MinIOContainer MINIO = new MinIOContainer("minio/minio:RELEASE.2025-09-07T16-13-09Z");

    @BeforeAll
    static void createBucket() {
        try (S3Client s3 = S3Client.builder()
                .endpointOverride(java.net.URI.create(MINIO.getS3URL()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(MINIO.getUserName(), MINIO.getPassword())))
                .build()) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
    }

    @Override
    String endpoint() {
        return MINIO.getS3URL();
    }

    @Override
    String accessKey() {
        return MINIO.getUserName();
    }

    @Override
    String secretKey() {
        return MINIO.getPassword();
    }
}
