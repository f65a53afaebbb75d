package io.notebookjobs.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.notebookjobs.jobs.JobDeleter;
import io.notebookjobs.jobs.JobOutcome;
import io.notebookjobs.jobs.JobRecord;
import io.notebookjobs.kube.CreateMark;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.JobReconciler;
import io.notebookjobs.kube.Leader;
import io.notebookjobs.kube.OutcomeWritten;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;

/**
 * The Prometheus metrics a platform team alerts on (docs/operations.md#metrics). Job ends, waits
 * and run times are counted by the leader when it writes an outcome, so once per job across
 * replicas; the jobs by status are every replica's view of its cache, refreshed on a timer rather
 * than per scrape, so a scrape costs nothing however many jobs there are.
 */
@ApplicationScoped
public class JobMetrics {

    /** A job without a group policy profile. */
    static final String NO_PROFILE = "none";

    // Waiting for a node and running take seconds to hours: buckets that tell those apart.
    private static final Duration[] JOB_TIME_BUCKETS = { Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofMinutes(1), Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1),
            Duration.ofHours(6), Duration.ofHours(24) };
    private static final Duration[] LAG_BUCKETS = { Duration.ofMillis(10), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5),
            Duration.ofSeconds(10) };

    private final MeterRegistry registry;
    private final JobCache cache;
    private final JobReconciler reconciler;
    private final Clock clock;
    private final MultiGauge jobsByStatus;
    private final Timer informerLag;
    private final List<Gauge> beanGauges;

    public JobMetrics(MeterRegistry registry, JobCache cache, JobReconciler reconciler, Leader leader, Clock clock) {
        this.registry = registry;
        this.cache = cache;
        this.reconciler = reconciler;
        this.clock = clock;
        this.jobsByStatus = MultiGauge.builder("notebook.jobs")
                .description("Jobs in the history by status and profile, as this replica's cache shows them")
                .register(registry);
        this.informerLag = Timer.builder("notebook.jobs.informer.lag")
                .description("How long the service's own writes took to show in its informer cache")
                .serviceLevelObjectives(LAG_BUCKETS).register(registry);
        // Strong references: a gauge holds its object weakly by default, and the injected beans
        // are client proxies nothing else keeps, so after a collection the gauges would read NaN.
        this.beanGauges = List.of(
                Gauge.builder("notebook.jobs.informers.synced", cache, c -> c.hasSynced() ? 1 : 0).strongReference(true)
                        .description("1 once every informer of this replica has listed").register(registry),
                Gauge.builder("notebook.jobs.leader", leader, l -> l.isLeader() ? 1 : 0).strongReference(true)
                        .description("1 on the replica that writes outcomes and runs the sweeps").register(registry));
    }

    void onStart(@Observes StartupEvent event) {
        cache.addCatchUpListener(informerLag::record);
    }

    /**
     * The registry may outlive this application (a restart in the same JVM, as tests do): gauges
     * that read this application's beans must go with it, or a new one would find them
     * registered and read a stopped container.
     */
    void onStop(@Observes ShutdownEvent event) {
        beanGauges.forEach(registry::remove);
        jobsByStatus.register(List.of(), true);
    }

    void onOutcome(@Observes OutcomeWritten written) {
        JobOutcome outcome = written.outcome();
        JobRecord record = cache.record(written.job()).orElse(null);
        String profile = profileOf(record);
        String status = outcome.status().name();
        Counter.builder("notebook.jobs.ended").description("Jobs that ended, by status, profile and cause")
                .tags("status", status, "profile", profile, "cause", written.cause().name().toLowerCase(Locale.ROOT))
                .register(registry).increment();
        if (written.cause() == OutcomeWritten.Cause.SCHEDULING_TIMEOUT) {
            Counter.builder("notebook.jobs.scheduling.timeouts")
                    .description("Jobs failed because they had not started within the scheduling timeout")
                    .tags("profile", profile).register(registry).increment();
        }
        Long created = record != null && record.createTime() != null ? record.createTime() : createdMillis(written.job());
        if (outcome.startTime() != null && created != null) {
            // Start times have whole seconds (the kubelet's), creates milliseconds: a job that
            // started at once may seem to start before its create.
            jobTimer("notebook.jobs.wait", "Time from a job's create to its start", status, profile)
                    .record(Duration.ofMillis(Math.max(0, outcome.startTime() - created)));
        }
        if (outcome.startTime() != null && outcome.endTime() != null && outcome.endTime() >= outcome.startTime()) {
            jobTimer("notebook.jobs.run", "Time from a job's start to its end", status, profile)
                    .record(Duration.ofMillis(outcome.endTime() - outcome.startTime()));
        }
    }

    @Scheduled(every = "${notebook-jobs.metrics.refresh-interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void refresh() {
        if (!cache.hasSynced()) {
            return;
        }
        Instant now = clock.instant();
        Map<Tags, Integer> counts = new HashMap<>();
        for (Job job : cache.all()) {
            if (CreateMark.isCreating(job) || JobDeleter.isDeleteRequested(job)) {
                continue; // not in the history
            }
            String status = reconciler.mapper().map(job, cache::observe, now).reported().status().name();
            counts.merge(Tags.of("status", status, "profile", profileOf(cache.record(job).orElse(null))), 1,
                    Integer::sum);
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        counts.forEach((tags, count) -> rows.add(MultiGauge.Row.of(tags, count)));
        // Overwrite: a status no job has any more drops out instead of keeping its last count.
        jobsByStatus.register(rows, true);
    }

    private Timer jobTimer(String name, String description, String status, String profile) {
        return Timer.builder(name).description(description).tags("status", status, "profile", profile)
                .serviceLevelObjectives(JOB_TIME_BUCKETS).register(registry);
    }

    static String profileOf(JobRecord record) {
        return record == null || record.pod() == null || record.pod().profile() == null ? NO_PROFILE
                : record.pod().profile();
    }

    private static Long createdMillis(Job job) {
        String created = job.getMetadata().getCreationTimestamp();
        return created == null ? null : Instant.parse(created).toEpochMilli();
    }
}
