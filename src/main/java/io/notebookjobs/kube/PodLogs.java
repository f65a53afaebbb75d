package io.notebookjobs.kube;

import java.util.Comparator;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.fabric8.kubernetes.client.dsl.PrettyLoggable;
import io.notebookjobs.config.NotebookJobsConfig;

/**
 * The executor container's log, read from the kubelet through the API server while the job's pod
 * exists. Which pod: the newest whose executor has started, so a retried job shows its current
 * attempt.
 */
@ApplicationScoped
public class PodLogs {

    private final KubernetesClient client;
    private final JobCache cache;
    private final String namespace;

    public PodLogs(KubernetesClient client, JobCache cache, NotebookJobsConfig config) {
        this.client = client;
        this.cache = cache;
        this.namespace = config.kube().namespace();
    }

    /** The pod whose log to show, if one of the Job's pods has started its executor. */
    public Optional<Pod> podWithLog(Job job) {
        return cache.observe(job).pods().stream().filter(PodLogs::executorStarted)
                .max(Comparator.comparing(p -> p.getMetadata().getCreationTimestamp()));
    }

    /** Whether the pod still runs its executor (so its log may grow). */
    public static boolean isRunning(Pod pod) {
        return PodFacts.isRunning(pod);
    }

    /** The log now; {@code tailLines} and {@code sinceSeconds} may be null. */
    public String read(String podName, Integer tailLines, Integer sinceSeconds) {
        return select(podName, tailLines, sinceSeconds).getLog();
    }

    /** The log as it is written, until the container ends or the watch is closed. */
    public LogWatch follow(String podName, Integer tailLines, Integer sinceSeconds) {
        return select(podName, tailLines, sinceSeconds).watchLog();
    }

    private PrettyLoggable select(String podName, Integer tailLines, Integer sinceSeconds) {
        ContainerResource container = client.pods().inNamespace(namespace).withName(podName)
                .inContainer(JobManifests.CONTAINER);
        if (sinceSeconds != null && tailLines != null) {
            return container.sinceSeconds(sinceSeconds).tailingLines(tailLines);
        }
        if (sinceSeconds != null) {
            return container.sinceSeconds(sinceSeconds);
        }
        if (tailLines != null) {
            return container.tailingLines(tailLines);
        }
        return container;
    }

    private static boolean executorStarted(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return false;
        }
        for (ContainerStatus status : pod.getStatus().getContainerStatuses()) {
            if (JobManifests.CONTAINER.equals(status.getName()) && status.getState() != null
                    && (status.getState().getRunning() != null || status.getState().getTerminated() != null)) {
                return true;
            }
        }
        return false;
    }
}
