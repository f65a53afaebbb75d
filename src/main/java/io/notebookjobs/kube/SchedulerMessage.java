package io.notebookjobs.kube;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns kube-scheduler's "0/4 nodes are available: ..." message into an explanation a notebook
 * author understands, keeping the scheduler's own words at the end for whoever has to act on it.
 *
 * <p>A request that no node could ever hold and one that waits for a busy node both read
 * "Insufficient nvidia.com/gpu". They differ in the preemption part: since Kubernetes 1.34 a node
 * whose allocatable is smaller than the request is "Preemption is not helpful for scheduling",
 * while a node that is merely full is "No preemption victims found for incoming pod" (or a node
 * where preemption would work). Older schedulers do not tell them apart; the service then reports
 * the job as waiting.
 */
public final class SchedulerMessage {

    private static final Pattern SUMMARY = Pattern.compile(
            "^\\s*(\\d+)/(\\d+) nodes are available:?(.*?)(?:\\s*preemption:(.*))?$", Pattern.DOTALL);
    /** The reasons end at the first full stop; newer schedulers add sentences ("no new claims to deallocate,"). */
    private static final Pattern FIRST_SENTENCE = Pattern.compile("^(.*?)\\.(?:\\s|$).*$", Pattern.DOTALL);
    private static final Pattern REASON = Pattern.compile("^(\\d+) (.*)$", Pattern.DOTALL);
    private static final Pattern INSUFFICIENT = Pattern.compile("^Insufficient (\\S+)$");
    private static final Pattern TAINT = Pattern.compile("(\\{.*\\})");

    private SchedulerMessage() {
    }

    /** One reason a number of nodes gave for not taking the pod. */
    record NodeReason(int nodes, String reason) {
    }

    /**
     * @param raw the PodScheduled condition's (or FailedScheduling event's) message
     * @param requested what the pod asks for, to name it in the explanation ("2 nvidia.com/gpu")
     */
    public static String explain(String raw, Requested requested) {
        Matcher summary = SUMMARY.matcher(raw.strip());
        if (!summary.matches()) {
            return "Waiting for a node: " + raw.strip();
        }
        int total = Integer.parseInt(summary.group(2));
        List<NodeReason> reasons = reasons(firstSentence(summary.group(3)));
        String preemption = summary.group(4) == null ? "" : summary.group(4);

        List<String> parts = new ArrayList<>();
        for (NodeReason r : reasons) {
            parts.add(r.nodes() + (r.nodes() == 1 ? " node: " : " nodes: ") + describe(r.reason()));
        }
        StringBuilder text = new StringBuilder();
        String insufficient = insufficientResource(reasons);
        if (insufficient != null && neverFits(preemption)) {
            text.append("No node can ever hold this job: none has ").append(requested.describe(insufficient))
                    .append(" in total. Ask for less, or ask an administrator for bigger nodes. ");
        } else if (insufficient != null) {
            text.append("Waiting for ").append(requested.describe(insufficient))
                    .append(": the nodes that have it are busy, so the job starts when one frees up. ");
        } else {
            text.append("Waiting for a node: none of the ").append(total)
                    .append(total == 1 ? " node" : " nodes").append(" can run it yet. ");
        }
        text.append(total == 0 ? "The cluster has no nodes." : String.join("; ", parts) + ".");
        text.append(" (scheduler: ").append(raw.strip()).append(")");
        return text.toString();
    }

    private static String firstSentence(String text) {
        Matcher m = FIRST_SENTENCE.matcher(text.strip());
        return m.matches() ? m.group(1) : text;
    }

    static List<NodeReason> reasons(String list) {
        List<NodeReason> reasons = new ArrayList<>();
        // Reasons are separated by ", " before a count; taint lists inside braces contain ", " too.
        for (String part : list.strip().replaceAll("\\.$", "").split(",\\s+(?=\\d+ )")) {
            Matcher m = REASON.matcher(part.strip());
            if (m.matches()) {
                reasons.add(new NodeReason(Integer.parseInt(m.group(1)), m.group(2).strip()));
            }
        }
        return reasons;
    }

    private static String insufficientResource(List<NodeReason> reasons) {
        for (NodeReason r : reasons) {
            Matcher m = INSUFFICIENT.matcher(r.reason());
            if (m.matches()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** Every node said preemption cannot help: even emptied, none would fit the request. */
    private static boolean neverFits(String preemption) {
        List<NodeReason> reasons = reasons(firstSentence(
                preemption.replaceFirst("^\\s*\\d+/\\d+ nodes are available:", "")));
        return !reasons.isEmpty()
                && reasons.stream().allMatch(r -> r.reason().startsWith("Preemption is not helpful"));
    }

    private static String describe(String reason) {
        Matcher insufficient = INSUFFICIENT.matcher(reason);
        if (insufficient.matches()) {
            return "not enough free " + insufficient.group(1);
        }
        if (reason.contains("untolerated taint")) {
            Matcher taint = TAINT.matcher(reason);
            return "a taint the job does not tolerate" + (taint.find() ? " " + taint.group(1) : "");
        }
        if (reason.contains("didn't match Pod's node affinity/selector")) {
            return "does not match the job's node selector";
        }
        if (reason.contains("unbound immediate PersistentVolumeClaims")) {
            return "a volume claim of the pod is not bound";
        }
        if (reason.contains("volume node affinity conflict")) {
            return "its volumes are on other nodes";
        }
        if (reason.contains("were unschedulable")) {
            return "cordoned (unschedulable)";
        }
        if (reason.contains("Too many pods")) {
            return "too many pods already";
        }
        return reason;
    }

    /** What the pod asks for, to name amounts in explanations. */
    public record Requested(java.util.Map<String, String> amounts) {
        String describe(String resource) {
            String amount = amounts.get(resource);
            return amount == null ? resource : amount + " " + resource;
        }
    }
}
