package io.notebookjobs.e2e;

import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Prints what explains a failed end-to-end test: the end of the service's log and
 * {@code kubectl describe} of the test's Jobs and Pods, plus the namespace's recent events.
 * Test classes register what to describe with {@link #watch}.
 */
public final class Diagnostics implements TestWatcher {

    private static final int LOG_LINES = 150;
    private static volatile Supplier<String> current = () -> "(no diagnostics registered)";

    /** What the next failures should show: the service, the cluster and the job ids involved. */
    static void watch(E2EService service, SimCluster cluster) {
        current = () -> report(service, cluster);
    }

    /** The same for several services against one cluster (replicas): each one's report. */
    static void watch(SimCluster cluster, List<E2EService> services) {
        current = () -> {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < services.size(); i++) {
                out.append("\n########## replica ").append(i + 1).append(" of ").append(services.size())
                        .append(" ##########").append(report(services.get(i), cluster));
            }
            return out.toString();
        };
    }

    static String report(E2EService service, SimCluster cluster) {
        StringBuilder out = new StringBuilder();
        out.append("\n===== service log (last ").append(LOG_LINES).append(" lines) =====\n")
                .append(tail(service.log(), LOG_LINES));
        List<String> ids = service.createdJobIds();
        if (!ids.isEmpty()) {
            String selector = "scheduler.jupyter.org/job-id in (" + String.join(",", ids) + ")";
            out.append("\n===== kubectl describe jobs,pods -l '").append(selector).append("' =====\n")
                    .append(cluster.kubectl("describe", "jobs,pods", "-l", selector));
        }
        out.append("\n===== kubectl get events (namespace ").append(SimCluster.NAMESPACE).append(") =====\n")
                .append(tail(cluster.kubectl("get", "events", "--sort-by=.lastTimestamp"), 40));
        out.append("\n===== kubectl get nodes,pods -A =====\n")
                .append(cluster.kubectl("get", "nodes,pods", "-A", "-o", "wide"));
        return out.toString();
    }

    static String now() {
        try {
            return current.get();
        } catch (RuntimeException e) {
            return "(diagnostics failed: " + e + ")";
        }
    }

    static String tail(String text, int lines) {
        String[] all = text.split("\n", -1);
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        System.out.println("[e2e] " + context.getDisplayName() + " failed: " + cause);
        System.out.println(now());
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        System.out.println("[e2e] " + context.getDisplayName() + " aborted: " + cause);
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        System.out.println("[e2e] " + context.getDisplayName() + " skipped: " + reason.orElse(""));
    }
}
