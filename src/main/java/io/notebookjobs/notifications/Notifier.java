package io.notebookjobs.notifications;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.jobs.JobService;
import io.notebookjobs.jobs.JobStatus;
import io.notebookjobs.jobs.JobView;
import io.notebookjobs.jobs.Notify;
import io.notebookjobs.kube.AnnotationJson;
import io.notebookjobs.kube.JobCache;
import io.notebookjobs.kube.JobStateMapper;
import io.notebookjobs.kube.JobWriter;
import io.notebookjobs.kube.Labels;
import io.notebookjobs.kube.Leader;
import io.quarkus.scheduler.Scheduled;

/**
 * Tells people that a job started, succeeded or failed, as its record asks: by mail and through
 * configured webhooks. Only the leader sends, one job at a time, and it writes the sent mark onto
 * the Job right after each delivery, so a new leader (or this one after a restart) neither loses
 * a notification nor, in normal operation, sends one twice. Delivery is at least once: a replica
 * that dies between a send and its mark leaves it to be sent again.
 *
 * <p>A failed attempt is retried after a delay that doubles each time, up to a limit, and given
 * up after {@code max-attempts}; each attempt's outcome is on the job (its {@code notifications})
 * and in the metrics.
 */
@ApplicationScoped
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);
    static final String EMAIL = "email";
    static final String WEBHOOK_PREFIX = "webhook:";

    private final JobCache cache;
    private final JobService jobs;
    private final JobWriter writer;
    private final Leader leader;
    private final Clock clock;
    private final MailSender mail;
    private final WebhookSender webhooks;
    private final NotebookJobsConfig.Notifications config;
    private final MeterRegistry registry;

    public Notifier(JobCache cache, JobService jobs, JobWriter writer, Leader leader, Clock clock, MailSender mail,
            WebhookSender webhooks, NotebookJobsConfig config, MeterRegistry registry) {
        this.cache = cache;
        this.jobs = jobs;
        this.writer = writer;
        this.leader = leader;
        this.clock = clock;
        this.mail = mail;
        this.webhooks = webhooks;
        this.config = config.notifications();
        this.registry = registry;
    }

    @Scheduled(every = "${notebook-jobs.notifications.interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        if (!cache.hasSynced() || !leader.isLeader()) {
            return;
        }
        for (Job job : cache.all()) {
            if (!leader.isLeader()) {
                return; // whoever leads now carries on from the marks
            }
            if (!isPending(job)) {
                continue;
            }
            try {
                deliverDue(job);
            } catch (RuntimeException e) {
                // The marks written so far stay; the next tick carries on.
                LOG.warnf("Job %s: notifications not handled yet (%s)", JobCache.jobId(job), e.getMessage());
            }
        }
    }

    static boolean isPending(Job job) {
        return job.getMetadata().getLabels() != null
                && Labels.NOTIFY_PENDING.equals(job.getMetadata().getLabels().get(Labels.NOTIFY));
    }

    /** Delivers what is due for one job, writing a mark after each delivery. */
    void deliverDue(Job job) {
        Optional<JobView> found = jobs.view(job);
        if (found.isEmpty() || found.get().record().notifications() == null) {
            return; // being created or deleted: its notifications wait, or go with it
        }
        JobView view = found.get();
        Notify notify = view.record().notifications();
        String jobName = job.getMetadata().getName();
        boolean finalized = JobStateMapper.isFinalized(job);
        DeliveryLog log = DeliveryLog.of(job);
        boolean open = false;
        for (Notify.Event event : Notify.Event.values()) {
            List<String> channels = channels(notify, event);
            if (channels.isEmpty()) {
                continue;
            }
            Happened happened = happened(event, view, finalized);
            if (happened == Happened.NEVER) {
                continue;
            }
            if (happened == Happened.NOT_YET) {
                open = true;
                continue;
            }
            for (String channel : channels) {
                DeliveryLog.Key key = new DeliveryLog.Key(event, channel);
                DeliveryLog.Attempt before = log.get(key);
                if (before != null && before.resolved()) {
                    continue;
                }
                Instant now = clock.instant();
                if (before != null && !before.dueAt(now)) {
                    open = true;
                    continue;
                }
                if (!leader.isLeader()) {
                    return;
                }
                DeliveryLog.Attempt attempt = deliver(key, notify, view, before, now);
                log = log.with(key, attempt);
                open |= !attempt.resolved();
                // Written before anything else is sent: a crash after this send costs at most this one again.
                Job written = writer.writeNotified(jobName, AnnotationJson.write(log), false);
                cache.await(jobName, JobCache.hasVersion(written.getMetadata().getResourceVersion()));
            }
        }
        if (finalized && !open) {
            Job written = writer.writeNotified(jobName, AnnotationJson.write(log), true);
            cache.await(jobName, JobCache.hasVersion(written.getMetadata().getResourceVersion()));
        }
    }

    private enum Happened { YES, NOT_YET, NEVER }

    /**
     * Start: the job has a start time. Success and failure: the leader has written the outcome,
     * so the message and times sent are the final ones. A job that ends without starting never
     * starts; a completed job never fails.
     */
    private static Happened happened(Notify.Event event, JobView view, boolean finalized) {
        boolean yes = switch (event) {
            case START -> view.startTime() != null;
            case SUCCESS -> finalized && view.status() == JobStatus.COMPLETED;
            case FAILURE -> finalized && view.status() == JobStatus.FAILED;
        };
        return yes ? Happened.YES : finalized ? Happened.NEVER : Happened.NOT_YET;
    }

    private static List<String> channels(Notify notify, Notify.Event event) {
        List<String> channels = new ArrayList<>();
        if (!notify.emailsFor(event).isEmpty()) {
            channels.add(EMAIL);
        }
        notify.webhooksFor(event).forEach(name -> channels.add(WEBHOOK_PREFIX + name));
        return channels;
    }

    private DeliveryLog.Attempt deliver(DeliveryLog.Key key, Notify notify, JobView view, DeliveryLog.Attempt before,
            Instant now) {
        int attempts = (before == null ? 0 : before.attempts()) + 1;
        NotificationMessage message = NotificationMessage.of(key.event(), view, config.jobUrl());
        String channelKind = key.channel().equals(EMAIL) ? EMAIL : "webhook";
        try {
            if (key.channel().equals(EMAIL)) {
                mail.send(notify.emailsFor(key.event()), message);
            } else {
                webhooks.send(key.channel().substring(WEBHOOK_PREFIX.length()), view.jobId() + "/" + key, message);
            }
            count(key.event(), channelKind, DeliveryLog.SENT);
            LOG.infof("Job %s: %s notification sent (%s)", view.jobId(), key.event().eventName(), key.channel());
            return new DeliveryLog.Attempt(DeliveryLog.SENT, attempts, now.toEpochMilli(), null, null);
        } catch (DeliveryException e) {
            boolean giveUp = attempts >= config.maxAttempts();
            count(key.event(), channelKind, giveUp ? DeliveryLog.FAILED : DeliveryLog.RETRYING);
            LOG.warnf("Job %s: %s notification (%s), attempt %d of %d, failed: %s", view.jobId(),
                    key.event().eventName(), key.channel(), attempts, config.maxAttempts(), e.getMessage());
            return giveUp
                    ? new DeliveryLog.Attempt(DeliveryLog.FAILED, attempts, now.toEpochMilli(), null, e.getMessage())
                    : new DeliveryLog.Attempt(DeliveryLog.RETRYING, attempts, now.toEpochMilli(),
                            now.plus(retryDelay(attempts, config.retryDelay(), config.maxRetryDelay())).toEpochMilli(),
                            e.getMessage());
        }
    }

    /** After the n-th failed attempt: the first delay, doubled n - 1 times, at most the maximum. */
    static Duration retryDelay(int failedAttempts, Duration first, Duration max) {
        Duration delay = first;
        for (int i = 1; i < failedAttempts && delay.compareTo(max) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(max) > 0 ? max : delay;
    }

    private void count(Notify.Event event, String channel, String result) {
        Counter.builder("notebook.jobs.notifications")
                .description("Notification attempts by event, channel and result (sent, retrying: failed and to be "
                        + "retried, failed: given up)")
                .tags("event", event.eventName(), "channel", channel, "result", result)
                .register(registry).increment();
    }
}
