package io.notebookjobs.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.LogWatch;
import io.notebookjobs.api.ApiException;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.identity.Caller;
import io.notebookjobs.kube.PodLogs;
import io.notebookjobs.storage.ObjectStore;

/**
 * A job's log and progress. While its pod exists the log comes from the kubelet (and can be
 * followed as it is written); afterwards from the copy the executor saved next to the outputs.
 * The executor masks secret values in both, so nothing here needs to know them.
 */
@ApplicationScoped
public class JobLogs {

    private static final Logger LOG = Logger.getLogger(JobLogs.class);
    public static final int MAX_TAIL_LINES = 100_000;
    /** The executor's progress line (docs/executor-contract.md#the-log). */
    private static final Pattern PROGRESS = Pattern.compile("Running cell (\\d+) of (\\d+)");
    /** A job's progress is read from its pod at most this often, however often it is asked for. */
    static final Duration PROGRESS_MAX_AGE = Duration.ofSeconds(5);
    private static final int PROGRESS_TAIL_LINES = 200;

    private final JobService jobs;
    private final PodLogs pods;
    private final ObjectStore store;
    private final Clock clock;
    private final Semaphore followers;
    private final Map<String, Progress> progressByJob = new ConcurrentHashMap<>();

    public JobLogs(JobService jobs, PodLogs pods, ObjectStore store, Clock clock, NotebookJobsConfig config) {
        this.jobs = jobs;
        this.pods = pods;
        this.store = store;
        this.clock = clock;
        this.followers = new Semaphore(config.limits().maxLogFollowers());
    }

    /** The response body: the log as it is now, or one that grows until the job's container ends. */
    public interface LogBody {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * @param tailLines the last lines only; null for all
     * @param sinceSeconds lines of the last seconds only; null for all
     * @param follow keep sending what the running job writes until it ends
     */
    public LogBody logs(Caller caller, String jobId, Integer tailLines, Integer sinceSeconds, boolean follow) {
        JobView view = jobs.get(caller, jobId);
        Optional<Pod> pod = pods.podWithLog(view.job());
        if (pod.isPresent()) {
            String name = pod.get().getMetadata().getName();
            if (follow && PodLogs.isRunning(pod.get())) {
                return following(name, tailLines, sinceSeconds);
            }
            try {
                byte[] text = pods.read(name, tailLines, sinceSeconds).getBytes(StandardCharsets.UTF_8);
                return out -> out.write(text);
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404 && e.getCode() != 400) {
                    throw e;
                }
                // The pod (or its node) went since the cache saw it: the saved log is what is left.
            }
        }
        String key = jobs.paths(view).logKey();
        if (store.head(key).isEmpty()) {
            throw ApiException.notFound(view.status().isTerminal()
                    ? "Job " + jobId + " has no log: it ended before its notebook started, or its log could not be saved"
                    : "Job " + jobId + " has no log yet: its pod has not started");
        }
        Instant notBefore = sinceSeconds == null ? null : clock.instant().minusSeconds(sinceSeconds);
        byte[] text = SavedLogText.select(new String(store.read(key), StandardCharsets.UTF_8), tailLines, notBefore)
                .getBytes(StandardCharsets.UTF_8);
        return out -> out.write(text);
    }

    private LogBody following(String podName, Integer tailLines, Integer sinceSeconds) {
        if (!followers.tryAcquire()) {
            throw ApiException.unavailable("Too many logs are being followed on this replica; retry in a minute, "
                    + "or read the log without follow");
        }
        return out -> {
            try (LogWatch watch = pods.follow(podName, tailLines, sinceSeconds); InputStream in = watch.getOutput()) {
                byte[] buffer = new byte[8192];
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                    out.flush(); // each line as it comes, not when a buffer fills
                }
            } finally {
                followers.release();
            }
        };
    }

    /**
     * What a running job is doing, e.g. "Running cell 7 of 12, 3 min in"; empty when it is not
     * running or has not said. Read from the last lines of its pod's log, at most once per
     * {@link #PROGRESS_MAX_AGE} per job, and only for the one job asked about.
     */
    public Optional<String> progress(JobView view) {
        if (view.status() != JobStatus.IN_PROGRESS) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        Progress known = progressByJob.get(view.jobId());
        if (known == null || known.readAt().plus(PROGRESS_MAX_AGE).isBefore(now)) {
            known = new Progress(now, readProgress(view));
            progressByJob.put(view.jobId(), known);
            progressByJob.values().removeIf(p -> p.readAt().plus(Duration.ofMinutes(1)).isBefore(now));
        }
        if (known.cell() == null) {
            return Optional.empty();
        }
        return Optional.of(view.startTime() == null ? known.cell()
                : known.cell() + ", " + running(Duration.ofMillis(now.toEpochMilli() - view.startTime())) + " in");
    }

    private String readProgress(JobView view) {
        Optional<Pod> pod = pods.podWithLog(view.job());
        if (pod.isEmpty()) {
            return null;
        }
        try {
            Matcher matcher = PROGRESS.matcher(pods.read(pod.get().getMetadata().getName(), PROGRESS_TAIL_LINES, null));
            String last = null;
            while (matcher.find()) {
                last = matcher.group();
            }
            return last;
        } catch (RuntimeException e) {
            // Progress is a nicety: a job whose log cannot be read now is shown without it.
            LOG.debugf("Job %s: no progress from its log (%s)", view.jobId(), e.getMessage());
            return null;
        }
    }

    private static String running(Duration d) {
        long seconds = Math.max(0, d.toSeconds());
        return seconds < 120 ? seconds + " s" : seconds / 60 + " min";
    }

    private record Progress(Instant readAt, String cell) {
    }
}
