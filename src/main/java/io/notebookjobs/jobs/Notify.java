package io.notebookjobs.jobs;

import java.util.List;

/**
 * Who is told when a job starts, succeeds or fails: addresses by email, configured webhook
 * endpoints by name. Part of a job's record (and a definition's, which its runs inherit); null
 * when nobody is to be told. The Notifier delivers.
 */
public record Notify(EmailNotifications email, WebhookNotifications webhooks) {

    /** The events a notification is sent for. */
    public enum Event {
        START("job.started", "started"),
        SUCCESS("job.succeeded", "completed"),
        FAILURE("job.failed", "failed");

        private final String eventName;
        private final String verb;

        Event(String eventName, String verb) {
            this.eventName = eventName;
            this.verb = verb;
        }

        /** As webhooks name it: job.started, job.succeeded, job.failed. */
        public String eventName() {
            return eventName;
        }

        /** For a sentence: "Notebook job x completed". */
        public String verb() {
            return verb;
        }
    }

    /** Who is told of each event: addresses, or webhook names. */
    public interface PerEvent {
        List<String> onStart();

        List<String> onSuccess();

        List<String> onFailure();

        default List<String> to(Event event) {
            return switch (event) {
                case START -> onStart();
                case SUCCESS -> onSuccess();
                case FAILURE -> onFailure();
            };
        }

        /** No one for any event. (Not isEmpty(): JSON would see a property.) */
        default boolean nobody() {
            return onStart().isEmpty() && onSuccess().isEmpty() && onFailure().isEmpty();
        }

        /** A list left out of a request is an empty one. */
        static List<String> orEmpty(List<String> list) {
            return list == null ? List.of() : List.copyOf(list);
        }
    }

    /**
     * The contract's {@code email_notifications}. {@code no_alert_for_skipped_runs} is kept and
     * shown: a skipped scheduled run makes no Job here, so there is nothing to alert about.
     */
    public record EmailNotifications(List<String> onStart, List<String> onSuccess, List<String> onFailure,
            Boolean noAlertForSkippedRuns) implements PerEvent {

        public EmailNotifications {
            onStart = PerEvent.orEmpty(onStart);
            onSuccess = PerEvent.orEmpty(onSuccess);
            onFailure = PerEvent.orEmpty(onFailure);
        }
    }

    /** Ours: the names of webhook endpoints the operator configured, per event. */
    public record WebhookNotifications(List<String> onStart, List<String> onSuccess, List<String> onFailure)
            implements PerEvent {

        public WebhookNotifications {
            onStart = PerEvent.orEmpty(onStart);
            onSuccess = PerEvent.orEmpty(onSuccess);
            onFailure = PerEvent.orEmpty(onFailure);
        }
    }

    /** The email part of notifications that may be absent. */
    public static EmailNotifications emailOf(Notify notify) {
        return notify == null ? null : notify.email();
    }

    public static WebhookNotifications webhooksOf(Notify notify) {
        return notify == null ? null : notify.webhooks();
    }

    public List<String> emailsFor(Event event) {
        return email == null ? List.of() : email.to(event);
    }

    public List<String> webhooksFor(Event event) {
        return webhooks == null ? List.of() : webhooks.to(event);
    }
}
