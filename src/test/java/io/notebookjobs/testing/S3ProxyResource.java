package io.notebookjobs.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts s3proxy in the test JVM with a bucket and points the service at it. The credentials
 * reach the service through the AWS SDK's standard chain (system properties), as they would in
 * production through the environment.
 */
public class S3ProxyResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "notebook-jobs-test";

    /** Marks a test field that receives the running {@link S3ProxyServer}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.FIELD)
    public @interface InjectS3 {
    }

    private S3ProxyServer server;

    @Override
    public Map<String, String> start() {
        server = S3ProxyServer.start();
        server.createBucket(BUCKET);
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        return Map.of(
                "notebook-jobs.s3.bucket", BUCKET,
                "notebook-jobs.s3.endpoint-url", server.endpoint(),
                "notebook-jobs.s3.path-style", "true",
                "notebook-jobs.s3.region", "us-east-1",
                "notebook-jobs.s3.credentials-secret.name", "notebook-jobs-s3");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(server, new TestInjector.AnnotatedAndMatchesType(InjectS3.class, S3ProxyServer.class));
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
