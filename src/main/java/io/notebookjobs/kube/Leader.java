package io.notebookjobs.kube;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.notebookjobs.config.NotebookJobsConfig;

/**
 * This replica's part in the leader election (see {@link Leadership}); with the election turned
 * off the replica always leads.
 */
@ApplicationScoped
public class Leader {

    private final NotebookJobsConfig.LeaderElection settings;
    private final KubernetesClient client;
    private final String namespace;
    private volatile Leadership leadership;

    public Leader(KubernetesClient client, NotebookJobsConfig config) {
        this.client = client;
        this.settings = config.kube().leaderElection();
        this.namespace = config.kube().namespace();
    }

    /** Starts contending; {@code onElected} runs each time this replica becomes the leader. */
    synchronized void start(Runnable onElected) {
        if (!settings.enabled() || leadership != null) {
            return;
        }
        leadership = new Leadership(client, namespace, settings.leaseName(),
                Leadership.identityOf(System.getenv("HOSTNAME")),
                new Leadership.Timings(settings.leaseDuration(), settings.renewDeadline(), settings.retryPeriod()),
                onElected);
        leadership.start();
    }

    public boolean isLeader() {
        Leadership current = leadership;
        return !settings.enabled() || (current != null && current.isLeader());
    }

    /** This replica's name in the Lease; empty without an election. */
    public String identity() {
        Leadership current = leadership;
        return current == null ? "" : current.identity();
    }

    @PreDestroy
    void stop() {
        Leadership current = leadership;
        if (current != null) {
            current.close();
        }
    }
}
