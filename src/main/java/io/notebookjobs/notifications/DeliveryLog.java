package io.notebookjobs.notifications;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.notebookjobs.jobs.Notify;
import io.notebookjobs.kube.AnnotationJson;
import io.notebookjobs.kube.Labels;

/**
 * What the Notifier tried for one job, by event and channel: stored as JSON in the Job's
 * {@code scheduler.jupyter.org/notified} annotation, so that whichever replica leads next (or
 * the same one after a restart) knows what was sent and sends nothing twice.
 */
public record DeliveryLog(Map<String, Attempt> deliveries) {

    public static final String SENT = "sent";
    public static final String RETRYING = "retrying";
    public static final String FAILED = "failed";

    public DeliveryLog {
        deliveries = deliveries == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(deliveries));
    }

    /**
     * @param time when the last attempt was made, in milliseconds since the epoch
     * @param next when the next attempt is due (retrying only)
     * @param error why the last attempt failed
     */
    public record Attempt(String state, int attempts, Long time, Long next, String error) {

        /** Sent or given up: nothing more to do. */
        public boolean resolved() {
            return !RETRYING.equals(state);
        }

        public boolean dueAt(Instant now) {
            return !resolved() && (next == null || !now.isBefore(Instant.ofEpochMilli(next)));
        }
    }

    /** An event and a channel ({@code email} or {@code webhook:<name>}), written {@code success/email}. */
    public record Key(Notify.Event event, String channel) {

        @Override
        public String toString() {
            return event.name().toLowerCase(java.util.Locale.ROOT) + "/" + channel;
        }

        public static Key parse(String text) {
            int slash = text.indexOf('/');
            return new Key(Notify.Event.valueOf(text.substring(0, slash).toUpperCase(java.util.Locale.ROOT)),
                    text.substring(slash + 1));
        }
    }

    public static DeliveryLog of(Job job) {
        try {
            DeliveryLog log = AnnotationJson.read(job, Labels.NOTIFIED, DeliveryLog.class).orElse(null);
            if (log != null) {
                log.deliveries().keySet().forEach(Key::parse); // a hand-edited entry must not break the history
                return log;
            }
        } catch (RuntimeException e) {
            // unreadable: as if nothing had been tried (at least once, never lost)
        }
        return new DeliveryLog(Map.of());
    }

    public Attempt get(Key key) {
        return deliveries.get(key.toString());
    }

    public DeliveryLog with(Key key, Attempt attempt) {
        Map<String, Attempt> next = new LinkedHashMap<>(deliveries);
        next.put(key.toString(), attempt);
        return new DeliveryLog(next);
    }
}
