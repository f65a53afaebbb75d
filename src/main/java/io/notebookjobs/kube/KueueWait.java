package io.notebookjobs.kube;

import java.util.Optional;
import java.util.Set;

/**
 * Why a job that Kueue has not admitted (or has suspended again) is waiting, in the words of its
 * Workload's conditions as Kueue writes them: QuotaReserved=False with reason Pending and the
 * resource that is short, Inadmissible (no such LocalQueue, a stopped ClusterQueue), quota held
 * while admission checks are pending, Evicted (preempted, and then queued again by Kueue). Newer
 * Kueue versions give finer QuotaReserved reasons; they are read the same way. Pure.
 */
final class KueueWait {

    /** QuotaReserved=False reasons that mean "cannot be admitted as things are", not "wait your turn". */
    private static final Set<String> CANNOT_ADMIT = Set.of("Inadmissible", "ExceedsMaxQuota", "NoMatchingFlavor");

    /**
     * @param givenUp Kueue will not start the job again (its Workload was deactivated, and not by
     *        the service stopping it): the job has failed
     */
    record Verdict(boolean givenUp, String message) {
    }

    private KueueWait() {
    }

    static Verdict of(String queue, Optional<KueueWorkload> found) {
        if (found.isEmpty()) {
            return waiting("Waiting for Kueue to take the job into queue " + queue + ".");
        }
        KueueWorkload workload = found.get();
        Optional<KueueWorkload.Condition> evicted = workload.condition("Evicted").filter(KueueWorkload.Condition::isTrue);
        if (!workload.active()) {
            // Final once Kueue has evicted it for the deactivation (its message says why); until
            // then Kueue is still carrying it out.
            return evicted.isPresent() ? new Verdict(true, "Kueue will not start this job: its Workload "
                    + workload.name() + " was deactivated (" + describe(evicted.get()) + ").")
                    : waiting("Kueue is deactivating this job's Workload " + workload.name() + ".");
        }
        if (evicted.isPresent()) {
            String why = "Preempted".equals(evicted.get().reason())
                    ? "Preempted by Kueue" + workload.condition("Preempted").filter(KueueWorkload.Condition::isTrue)
                            .or(() -> evicted).map(c -> " (" + c.message() + ")").orElse("")
                    : "Evicted by Kueue (" + describe(evicted.get()) + ")";
            return waiting(why + "; waiting in queue " + queue + " to be admitted again.");
        }
        if (workload.isTrue("Admitted")) {
            return waiting("Admitted by Kueue to ClusterQueue " + workload.clusterQueue() + "; starting.");
        }
        Optional<KueueWorkload.Condition> reserved = workload.condition("QuotaReserved");
        if (reserved.isPresent() && reserved.get().isTrue()) {
            return waiting("Kueue reserved quota in ClusterQueue " + workload.clusterQueue()
                    + (workload.pendingChecks().isEmpty() ? "; waiting for admission."
                            : "; waiting for admission checks: " + String.join(", ", workload.pendingChecks()) + "."));
        }
        if (reserved.isPresent() && reserved.get().message() != null) {
            return CANNOT_ADMIT.contains(reserved.get().reason())
                    ? waiting("Kueue cannot admit the job from queue " + queue + ": " + reserved.get().message() + ".")
                    : waiting("Waiting in Kueue queue " + queue + ": " + reserved.get().message() + ".");
        }
        // Under StrictFIFO a workload behind the head gets no condition until it is considered.
        return waiting("Waiting in Kueue queue " + queue + " (not considered for admission yet).");
    }

    private static String describe(KueueWorkload.Condition condition) {
        return condition.message() == null || condition.message().isBlank() ? condition.reason()
                : condition.reason() + ": " + condition.message();
    }

    private static Verdict waiting(String message) {
        return new Verdict(false, message.replace("..", "."));
    }
}
