package io.notebookjobs.testing;

import java.time.Duration;
import java.util.Map;

import jakarta.inject.Inject;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.kubernetes.client.KubernetesServer;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What service tests share: the Kubernetes mock server with a fake Job controller, the S3 server,
 * and the service's clock. Subclasses carry {@code @QuarkusTest}, {@code @WithKubernetesTestServer}
 * and {@code @QuarkusTestResource(S3ProxyResource.class)}, so they all run against one application.
 */
public abstract class ServiceTest {

    public static final String NAMESPACE = "test";

    @KubernetesTestServer
    protected KubernetesServer server;

    @S3ProxyResource.InjectS3
    protected S3ProxyServer s3;

    @Inject
    protected TestClock clock;

    protected FakeJobController controller;

    @BeforeEach
    void startController() {
        clock.reset();
        controller = FakeJobController.start(server.getClient(), NAMESPACE);
        // The informers sync in the background after boot.
        eventually().until(() -> io.restassured.RestAssured.get("/q/health/ready").statusCode() == 200);
    }

    @AfterEach
    void stopController() {
        controller.close();
        clock.reset();
    }

    protected KubernetesClient k8s() {
        return server.getClient();
    }

    protected Job kubeJob(String jobId) {
        return k8s().batch().v1().jobs().inNamespace(NAMESPACE).withName("nb-job-" + jobId).get();
    }

    protected static String jobName(String jobId) {
        return "nb-job-" + jobId;
    }

    protected java.util.List<String> keys(String prefix) {
        try (S3Client client = s3.client()) {
            return client.listObjectsV2Paginator(r -> r.bucket(S3ProxyResource.BUCKET).prefix(prefix)).contents()
                    .stream().map(o -> o.key()).sorted().toList();
        }
    }

    protected void put(String key, byte[] content) {
        try (S3Client client = s3.client()) {
            client.putObject(r -> r.bucket(S3ProxyResource.BUCKET).key(key),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(content));
        }
    }

    protected static ConditionFactory eventually() {
        return Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50));
    }

    /** Changes the leader Lease; a renewal between read and write (409) is retried. */
    protected void editLease(java.util.function.UnaryOperator<io.fabric8.kubernetes.api.model.coordination.v1.Lease> change) {
        for (int attempt = 1;; attempt++) {
            try {
                k8s().leases().inNamespace(NAMESPACE).withName("notebook-jobs-leader").edit(change);
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Another replica holds the Lease, renewed just now for a minute: this one stops leading. */
    protected void leaseToAnotherReplica() {
        editLease(l -> {
            l.getSpec().setHolderIdentity("other-replica");
            l.getSpec().setRenewTime(java.time.ZonedDateTime.now());
            l.getSpec().setLeaseDurationSeconds(60);
            return l;
        });
    }

    /** Makes the Lease expired, unless {@code identity} holds it: that replica may take it over. */
    protected void expireLeaseUnlessHeldBy(String identity) {
        editLease(l -> {
            if (!identity.equals(l.getSpec().getHolderIdentity())) {
                l.getSpec().setRenewTime(java.time.ZonedDateTime.now().minusMinutes(10));
                l.getSpec().setLeaseDurationSeconds(1);
            }
            return l;
        });
    }

    protected static Map<String, Object> job(String name) {
        return Api.createJob(name);
    }
}
