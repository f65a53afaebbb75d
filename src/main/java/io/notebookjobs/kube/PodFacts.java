package io.notebookjobs.kube;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;

/** Small readings of a Pod's status, named for what the status mapping needs. */
final class PodFacts {

    private PodFacts() {
    }

    static boolean isFinished(Pod pod) {
        String phase = phase(pod);
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** The newest pod that failed: the attempt a failure or a retry is explained by. */
    static Optional<Pod> lastFailed(List<Pod> pods) {
        return pods.stream().filter(p -> "Failed".equals(phase(p))).max(Comparator.comparing(PodFacts::created));
    }

    /** Stopped by the cluster (eviction, preemption, drain): the DisruptionTarget condition. */
    static boolean disrupted(Pod pod) {
        return condition(pod, "DisruptionTarget").filter(c -> "True".equals(c.getStatus())).isPresent();
    }

    static boolean isRunning(Pod pod) {
        return "Running".equals(phase(pod));
    }

    static String phase(Pod pod) {
        return pod.getStatus() == null ? "Pending" : Optional.ofNullable(pod.getStatus().getPhase()).orElse("Pending");
    }

    static Instant created(Pod pod) {
        return Times.parse(pod.getMetadata().getCreationTimestamp()).orElse(Instant.EPOCH);
    }

    /**
     * The pod that speaks for the job now: the newest one still alive, else the newest that ended.
     * Creation times have a one-second resolution, so a retry created in the same second as the
     * failed attempt must still win.
     */
    static Optional<Pod> current(List<Pod> pods) {
        Optional<Pod> alive = pods.stream().filter(p -> !isFinished(p)).max(Comparator.comparing(PodFacts::created));
        return alive.isPresent() ? alive : pods.stream().max(Comparator.comparing(PodFacts::created));
    }

    static Optional<ContainerStatus> executorStatus(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getContainerStatuses().stream()
                .filter(s -> JobManifests.CONTAINER.equals(s.getName()))
                .findFirst()
                .or(() -> pod.getStatus().getContainerStatuses().stream().findFirst());
    }

    static Optional<ContainerStateWaiting> waiting(Pod pod) {
        return executorStatus(pod).map(s -> s.getState() == null ? null : s.getState().getWaiting());
    }

    static Optional<ContainerStateTerminated> terminated(Pod pod) {
        return executorStatus(pod).map(s -> s.getState() == null ? null : s.getState().getTerminated());
    }

    /** When the executor started running in this pod, if it did. */
    static Optional<Instant> startedRunning(Pod pod) {
        return executorStatus(pod).flatMap(s -> {
            if (s.getState() == null) {
                return Optional.empty();
            }
            if (s.getState().getRunning() != null) {
                return Times.parse(s.getState().getRunning().getStartedAt());
            }
            if (s.getState().getTerminated() != null) {
                return Times.parse(s.getState().getTerminated().getStartedAt());
            }
            return Optional.empty();
        });
    }

    static Optional<PodCondition> condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst();
    }

    static boolean isScheduled(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getNodeName() != null
                || condition(pod, "PodScheduled").map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Resource amounts the pod's executor asks for (limits, else requests), for messages. */
    static Map<String, String> requested(Pod pod) {
        Map<String, String> amounts = new TreeMap<>();
        pod.getSpec().getContainers().stream().findFirst().ifPresent(c -> {
            if (c.getResources() != null) {
                if (c.getResources().getRequests() != null) {
                    c.getResources().getRequests().forEach((k, v) -> amounts.put(k, v.toString()));
                }
                if (c.getResources().getLimits() != null) {
                    c.getResources().getLimits().forEach((k, v) -> amounts.put(k, v.toString()));
                }
            }
        });
        return amounts;
    }
}
