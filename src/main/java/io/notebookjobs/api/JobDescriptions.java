package io.notebookjobs.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.jobs.JobStatus;
import io.notebookjobs.jobs.JobView;
import io.notebookjobs.notifications.DeliveryLog;
import io.notebookjobs.notebook.OutputFormat;
import io.notebookjobs.notebook.OutputNames;

/** Builds DescribeJob from a job view. */
public final class JobDescriptions {

    private JobDescriptions() {
    }

    public static DescribeJob describe(JobView view) {
        return describe(view, null);
    }

    /** @param progress what a running job is doing, shown when its state has no message of its own */
    public static DescribeJob describe(JobView view, String progress) {
        return describe(view, progress, null);
    }

    /** @param queuePosition a queued job's place in its Kueue queue, added to its message */
    public static DescribeJob describe(JobView view, String progress, Integer queuePosition) {
        JobRecord r = view.record();
        return new DescribeJob(
                view.jobId(),
                view.name(),
                r.inputFilename(),
                r.runtimeEnvironmentName(),
                r.runtimeEnvironmentParameters(),
                r.outputFormats(),
                r.parameters(),
                r.tags(),
                view.computeType(),
                r.idempotencyToken(),
                r.jobDefinitionId(),
                r.packageInputFolder(),
                r.packagedFiles(),
                jobFiles(view),
                "/jobs/" + view.jobId(),
                view.createTime(),
                view.updateTime(),
                view.startTime(),
                view.endTime(),
                view.status().name(),
                message(view, progress, queuePosition),
                false,
                r.timeoutSeconds() > 0 ? r.timeoutSeconds() : null,
                r.maxRetries(),
                r.owner(),
                io.notebookjobs.jobs.Notify.emailOf(r.notifications()),
                io.notebookjobs.jobs.Notify.webhooksOf(r.notifications()),
                notifications(view));
    }

    /** What was delivered, from the Job's sent marks; null when nothing was tried yet. */
    private static List<DescribeJob.Notification> notifications(JobView view) {
        List<DescribeJob.Notification> tried = DeliveryLog.of(view.job()).deliveries().entrySet().stream()
                .map(e -> {
                    DeliveryLog.Attempt a = e.getValue();
                    DeliveryLog.Key key = DeliveryLog.Key.parse(e.getKey());
                    return new DescribeJob.Notification(key.event().eventName(), key.channel(), a.state(),
                            a.attempts(), a.time(), a.next(), a.error());
                })
                .toList();
        return tried.isEmpty() ? null : tried;
    }

    /**
     * One entry per output format, the input, and the side-effect files of a packaged folder.
     * Paths are relative to the job and can be fetched from {@code GET /scheduler/jobs/{id}/files/{path}}.
     */
    static List<DescribeJob.JobFile> jobFiles(JobView view) {
        JobRecord r = view.record();
        List<DescribeJob.JobFile> files = new ArrayList<>();
        outputFiles(view).forEach((f, name) -> files.add(new DescribeJob.JobFile(f.label(), f.id(), "output/" + name)));
        files.add(new DescribeJob.JobFile("Input", "input", "input/" + r.inputFilename()));
        if (r.packageInputFolder()) {
            files.add(new DescribeJob.JobFile("Files", "files", "files/"));
        }
        return files;
    }

    /** The file each requested output format is written to, under the job's output prefix, in request order. */
    static Map<OutputFormat, String> outputFiles(JobView view) {
        JobRecord r = view.record();
        Instant created = Instant.ofEpochMilli(view.createTime());
        Map<OutputFormat, String> names = new LinkedHashMap<>();
        for (String id : r.outputFormats()) {
            OutputFormat.byId(id).ifPresent(f -> names.put(f, OutputNames.outputFile(r.inputFilename(), created, f,
                    r.scriptExtension())));
        }
        return names;
    }

    private static String message(JobView view, String progress, Integer queuePosition) {
        String message = view.state().message() != null ? view.state().message() : progress;
        if (queuePosition != null && message != null && view.status() == JobStatus.QUEUED) {
            return message + " Position " + queuePosition + " in the queue.";
        }
        return message;
    }
}
