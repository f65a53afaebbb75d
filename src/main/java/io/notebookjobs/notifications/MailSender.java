package io.notebookjobs.notifications;

import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;

import io.notebookjobs.config.NotebookJobsConfig;
import io.quarkus.mailer.Mail;
import io.quarkus.mailer.Mailer;

/** Notification mail through quarkus.mailer's SMTP server, from the configured sender address. */
@ApplicationScoped
public class MailSender {

    private final Mailer mailer;
    private final NotebookJobsConfig.Notifications config;

    public MailSender(Mailer mailer, NotebookJobsConfig config) {
        this.mailer = mailer;
        this.config = config.notifications();
    }

    /** One message to all of the event's addresses. */
    public void send(List<String> to, NotificationMessage message) throws DeliveryException {
        String from = config.mailFrom().orElseThrow(() -> new DeliveryException(
                "this service sends no email any more (notebook-jobs.notifications.mail-from is not set)"));
        Mail mail = new Mail().setTo(List.copyOf(to)).setSubject(message.subject()).setText(message.text())
                .setFrom(from).addHeader("X-Notebook-Jobs-Event", message.event().eventName());
        try {
            mailer.send(mail);
        } catch (RuntimeException e) {
            throw new DeliveryException("the mail server refused or could not be reached: " + describe(e));
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return text.length() <= 300 ? text : text.substring(0, 300) + "...";
    }
}
