package io.notebookjobs.kube;

import java.util.List;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;

/** Why a Job failed, in the words the user sees as {@code status_message}. */
final class FailureExplanation {

    private FailureExplanation() {
    }

    static String of(Job job, JobCondition failed, List<Pod> pods) {
        if ("DeadlineExceeded".equals(failed.getReason())) {
            Long deadline = job.getSpec().getActiveDeadlineSeconds();
            return "Stopped after running longer than its maximum run time"
                    + (deadline == null ? "" : " (the Job's deadline of " + deadline
                            + " s covers waiting for a node, running and uploading)")
                    + ". Ask for a longer timeout_seconds if the notebook needs more time.";
        }
        String explanation = PodFacts.lastFailed(pods).map(FailureExplanation::ofPod)
                .orElseGet(() -> Optional.ofNullable(failed.getMessage())
                        .orElse("The Kubernetes Job failed (" + failed.getReason() + ")."));
        Integer attempts = job.getStatus() == null ? null : job.getStatus().getFailed();
        if (attempts != null && attempts > 1) {
            return "Failed after " + attempts + " attempts. Last attempt: " + explanation;
        }
        return explanation;
    }

    static String ofPod(Pod pod) {
        String podReason = pod.getStatus() == null ? null : pod.getStatus().getReason();
        String podMessage = pod.getStatus() == null ? null : pod.getStatus().getMessage();
        if ("Evicted".equals(podReason)) {
            return "The pod was evicted by its node" + (podMessage == null ? "." : ": " + podMessage);
        }
        Optional<String> disruption = PodFacts.condition(pod, "DisruptionTarget")
                .filter(c -> "True".equals(c.getStatus()))
                .map(c -> "The pod was stopped by Kubernetes (" + c.getReason() + ")"
                        + (c.getMessage() == null ? "." : ": " + c.getMessage()));
        if (disruption.isPresent()) {
            return disruption.get();
        }
        Optional<ContainerStateTerminated> terminated = PodFacts.terminated(pod);
        if (terminated.isPresent()) {
            ContainerStateTerminated t = terminated.get();
            if ("OOMKilled".equals(t.getReason())) {
                String limit = PodFacts.requested(pod).get("memory");
                return "Out of memory: the notebook needed more than its memory limit"
                        + (limit == null ? "" : " of " + limit)
                        + " and was killed (OOMKilled). Ask for more memory.";
            }
            String message = t.getMessage() == null ? "" : t.getMessage().strip();
            if (!message.isEmpty()) {
                return message + " (exit code " + t.getExitCode() + ")";
            }
            return "The executor exited with code " + t.getExitCode()
                    + (t.getReason() == null ? "" : " (" + t.getReason() + ")") + " without saying why.";
        }
        return podMessage != null ? podMessage : "The pod failed.";
    }
}
