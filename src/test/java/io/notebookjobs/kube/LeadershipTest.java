package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

/**
 * Two replicas contend for one Lease through fabric8's leader elector against a CRUD API server:
 * exactly one leads, and the other takes over when the leader goes, at once when it releases the
 * Lease, after the lease duration when it just stops renewing. Real time, but seconds: the lease
 * timings are made short.
 */
class LeadershipTest {

    private static final Leadership.Timings FAST = new Leadership.Timings(Duration.ofSeconds(2),
            Duration.ofMillis(1500), Duration.ofMillis(200));

    private final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(),
            new java.util.HashMap<>(), new KubernetesCrudDispatcher(), false);
    private KubernetesClient client;
    private Leadership a;
    private Leadership b;

    @BeforeEach
    void start() {
        server.init();
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        for (Leadership l : new Leadership[] { a, b }) {
            if (l != null) {
                l.close();
            }
        }
        client.close();
        server.destroy();
    }

    private Leadership replica(String name, AtomicInteger elected) {
        return new Leadership(client, "test", "notebook-jobs-leader", name, FAST, elected::incrementAndGet);
    }

    @Test
    void exactlyOneLeadsAndTheOtherTakesOverWhenItReleasesTheLease() {
        AtomicInteger aElected = new AtomicInteger();
        AtomicInteger bElected = new AtomicInteger();
        a = replica("replica-a", aElected);
        a.start();
        await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
        b = replica("replica-b", bElected);
        b.start();

        // b keeps trying for a while and never leads while a renews.
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> !b.isLeader() && a.isLeader());
        assertThat(holder()).isEqualTo("replica-a");
        assertThat(aElected).hasValue(1);

        long released = System.nanoTime();
        a.close();
        await().atMost(Duration.ofSeconds(10)).until(b::isLeader);
        assertThat(Duration.ofNanos(System.nanoTime() - released)).isLessThan(Duration.ofSeconds(5));
        assertThat(a.isLeader()).isFalse();
        assertThat(holder()).isEqualTo("replica-b");
        assertThat(bElected).hasValue(1);
    }

    @Test
    void aLeaderThatStopsRenewingIsReplacedAfterTheLease() {
        // A replica that died leaves its Lease held and renewed a moment ago, never again.
        a = replica("dead-replica", new AtomicInteger());
        a.start();
        await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
        a.close(); // releases; the edit below puts the dead holder back
        client.leases().inNamespace("test").withName("notebook-jobs-leader").edit(lease -> {
            lease.getSpec().setHolderIdentity("dead-replica");
            lease.getSpec().setRenewTime(java.time.ZonedDateTime.now());
            lease.getSpec().setLeaseDurationSeconds(2);
            return lease;
        });

        AtomicInteger bElected = new AtomicInteger();
        b = replica("replica-b", bElected);
        long started = System.nanoTime();
        b.start();
        await().atMost(Duration.ofSeconds(10)).until(b::isLeader);
        // Not before the dead holder's lease ran out.
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1500));
        assertThat(holder()).isEqualTo("replica-b");
    }

    private String holder() {
        return client.leases().inNamespace("test").withName("notebook-jobs-leader").get().getSpec().getHolderIdentity();
    }
}
