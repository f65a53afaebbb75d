package io.notebookjobs.kube;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;

/** Why a job that should be running is not, read from its pending Pod (or its Job, before it has one). */
final class PendingDiagnosis {

    enum Kind {
        /** The image cannot be pulled: waiting longer will not help. */
        IMAGE,
        /** Not scheduled, not creatable, or stuck on configuration: fails at the scheduling timeout. */
        BLOCKED,
        /** On a node and starting (for example pulling a large image): no timeout applies. */
        STARTING
    }

    record Problem(Kind kind, String message) {
    }

    private static final Set<String> IMAGE_ERRORS = Set.of("ErrImagePull", "ImagePullBackOff", "InvalidImageName",
            "ErrImageNeverPull", "RegistryUnavailable");
    private static final Set<String> CONFIG_ERRORS = Set.of("CreateContainerConfigError", "CreateContainerError",
            "RunContainerError");

    private PendingDiagnosis() {
    }

    static Problem ofPod(Pod pod, List<Event> podEvents) {
        Optional<ContainerStateWaiting> waiting = PodFacts.waiting(pod);
        String waitingReason = waiting.map(ContainerStateWaiting::getReason).orElse("");
        String waitingMessage = waiting.map(ContainerStateWaiting::getMessage).orElse(waitingReason);
        if (IMAGE_ERRORS.contains(waitingReason)) {
            String image = pod.getSpec().getContainers().get(0).getImage();
            return new Problem(Kind.IMAGE, "Cannot pull the executor image " + image + ": " + waitingMessage);
        }
        if (CONFIG_ERRORS.contains(waitingReason)) {
            return new Problem(Kind.BLOCKED, "The pod cannot start its container: " + waitingMessage);
        }
        if (!PodFacts.isScheduled(pod)) {
            Optional<String> schedulerSays = PodFacts.condition(pod, "PodScheduled")
                    .filter(c -> "False".equals(c.getStatus()) && c.getMessage() != null)
                    .map(c -> c.getMessage())
                    .or(() -> latest(podEvents, "FailedScheduling"));
            String message = schedulerSays
                    .map(raw -> SchedulerMessage.explain(raw, new SchedulerMessage.Requested(PodFacts.requested(pod))))
                    .orElse("Waiting for the scheduler to place the pod.");
            return new Problem(Kind.BLOCKED, message);
        }
        Optional<String> mountFailure = latest(podEvents, "FailedMount").or(() -> latest(podEvents, "FailedAttachVolume"));
        if (mountFailure.isPresent()) {
            return new Problem(Kind.BLOCKED, "A volume of the pod cannot be mounted: " + mountFailure.get());
        }
        return new Problem(Kind.STARTING, "Starting on node " + pod.getSpec().getNodeName()
                + ": the container is being created (pulling a large image can take a while).");
    }

    static Problem ofJobWithoutPod(Job job, List<Event> jobEvents) {
        return latest(jobEvents, "FailedCreate")
                .map(m -> new Problem(Kind.BLOCKED, "Kubernetes cannot create the job's pod: " + m))
                .orElse(new Problem(Kind.BLOCKED, "Waiting for the Job controller to create the pod."));
    }

    private static Optional<String> latest(List<Event> events, String reason) {
        return events.stream()
                .filter(e -> reason.equals(e.getReason()))
                .max(Comparator.comparing(PendingDiagnosis::eventTime))
                .map(Event::getMessage);
    }

    private static String eventTime(Event e) {
        String t = e.getLastTimestamp() != null ? e.getLastTimestamp()
                : e.getEventTime() != null ? e.getEventTime().getTime() : e.getMetadata().getCreationTimestamp();
        return t == null ? "" : t;
    }
}
