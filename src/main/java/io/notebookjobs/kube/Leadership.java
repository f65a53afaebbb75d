package io.notebookjobs.kube;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;

/**
 * Which replica decides: the holder of a {@code coordination.k8s.io} Lease. Every replica serves
 * reads and writes; only the leader takes the decisions that must be taken once (writing outcomes,
 * failing jobs at the scheduling timeout, the retention sweep), so two replicas never act on two
 * caches that disagree. A leader that dies stops renewing and another takes over once the lease
 * expires; one that shuts down releases it at once. Losing the lease (an API outage longer than
 * the renew deadline) makes the replica contend again.
 */
public final class Leadership implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Leadership.class);

    /** Lease timings: how long a lease lasts, how long a leader tries to renew, how often it tries. */
    public record Timings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        public static final Timings DEFAULT = new Timings(Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2));
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private final Timings timings;
    private final Runnable onElected;
    private final AtomicBoolean leader = new AtomicBoolean();
    private volatile boolean closed;
    private volatile CompletableFuture<?> election;

    /**
     * @param identity this replica's name in the Lease (the pod name, made unique per process)
     * @param onElected run once each time this replica becomes the leader
     */
    public Leadership(KubernetesClient client, String namespace, String leaseName, String identity, Timings timings,
            Runnable onElected) {
        this.client = client;
        this.namespace = namespace;
        this.leaseName = leaseName;
        this.identity = identity;
        this.timings = timings;
        this.onElected = onElected;
    }

    /** A replica's identity: its host (the pod name) and a random part, as a restarted pod is another process. */
    public static String identityOf(String host) {
        return (host == null || host.isBlank() ? "notebook-jobs" : host) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public void start() {
        if (closed) {
            return;
        }
        election = client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(leaseName)
                .withLock(new LeaseLock(namespace, leaseName, identity))
                .withLeaseDuration(timings.leaseDuration())
                .withRenewDeadline(timings.renewDeadline())
                .withRetryPeriod(timings.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::elected, this::deposed, this::newLeader))
                .build()).build().start();
        // The elector ends when leadership is lost or the lease cannot be reached for long:
        // contend again, unless this replica is shutting down.
        election.whenComplete((done, error) -> {
            leader.set(false);
            if (!closed) {
                LOG.infof("Leader election of %s ended (%s); contending again", identity,
                        error == null ? "lost the lease" : error.getMessage());
                start();
            }
        });
    }

    public boolean isLeader() {
        return leader.get();
    }

    public String identity() {
        return identity;
    }

    private void elected() {
        leader.set(true);
        LOG.infof("%s leads: it writes outcomes, enforces the scheduling timeout and sweeps", identity);
        try {
            onElected.run();
        } catch (RuntimeException e) {
            LOG.warnf("After the election: %s", e.getMessage());
        }
    }

    private void deposed() {
        leader.set(false);
        LOG.infof("%s no longer leads", identity);
    }

    private void newLeader(String holder) {
        if (!identity.equals(holder)) {
            LOG.debugf("The leader is %s", holder);
        }
    }

    /** Releases the lease, so another replica leads at once instead of after its expiry. */
    @Override
    public void close() {
        closed = true;
        leader.set(false);
        CompletableFuture<?> running = election;
        if (running != null) {
            running.cancel(true);
        }
    }
}
