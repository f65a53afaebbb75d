package io.notebookjobs.jobs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.notebookjobs.api.ApiException;

/**
 * Checks {@code email_notifications} and {@code webhook_notifications}: addresses that look like
 * addresses, endpoint names the operator configured, no more than a few per event. Webhook URLs
 * are never taken from a request: a URL of the caller's choosing would have the service post from
 * inside the cluster to wherever it points, and a Slack-style URL is itself a credential that
 * would sit in the Job's annotations.
 */
public final class NotifyRules {

    /** One @, no spaces or list separators, a dot in the domain; the mail server has the last word. */
    private static final Pattern ADDRESS = Pattern.compile("^[^@\\s<>,;\"()\\[\\]]{1,64}@[^@\\s<>,;\"()\\[\\]]+\\.[^@\\s<>,;\"()\\[\\].]{2,}$");
    private static final int MAX_ADDRESS_LENGTH = 254;
    private static final String EMAIL_FIELD = "email_notifications";
    private static final String WEBHOOK_FIELD = "webhook_notifications";
    static final String PARAMETER_PREFIX = "notify.";
    private static final Set<String> PARAMETER_KEYS = Set.of("email.on_start", "email.on_success", "email.on_failure",
            "webhook.on_start", "webhook.on_success", "webhook.on_failure");

    private NotifyRules() {
    }

    /**
     * What this service can send.
     *
     * @param mail whether a sender address (and so a mail server) is configured
     * @param webhooks the configured webhook endpoints by name
     * @param maxPerEvent addresses (or webhooks) per event of one job
     */
    public record Available(boolean mail, Set<String> webhooks, int maxPerEvent) {

        Available withMail(boolean mail) {
            return new Available(mail, webhooks, maxPerEvent);
        }
    }

    /** @return the notifications, or null when nobody is to be told */
    public static Notify read(Notify.EmailNotifications email, Notify.WebhookNotifications webhooks, Available available) {
        return read(email, webhooks, available, EMAIL_FIELD, WEBHOOK_FIELD);
    }

    /**
     * The same fields as the stock create form can send them, inside
     * {@code runtime_environment_parameters}: {@code notify.email.on_failure} with addresses and
     * {@code notify.webhook.on_success} with endpoint names, each separated by commas or spaces.
     *
     * @return null when the parameters name no notification
     */
    public static Notify fromRuntimeParameters(Map<String, Object> parameters, Available available) {
        if (parameters == null || parameters.keySet().stream().noneMatch(k -> k.startsWith(PARAMETER_PREFIX))) {
            return null;
        }
        Notify.EmailNotifications email = new Notify.EmailNotifications(list(parameters, "email.on_start"),
                list(parameters, "email.on_success"), list(parameters, "email.on_failure"), null);
        Notify.WebhookNotifications webhooks = new Notify.WebhookNotifications(list(parameters, "webhook.on_start"),
                list(parameters, "webhook.on_success"), list(parameters, "webhook.on_failure"));
        for (String key : parameters.keySet()) {
            if (key.startsWith(PARAMETER_PREFIX) && !PARAMETER_KEYS.contains(key.substring(PARAMETER_PREFIX.length()))) {
                throw ApiException.badRequest("runtime_environment_parameters." + key, "unknown notification key; use "
                        + PARAMETER_PREFIX + "email.on_start, .on_success, .on_failure or " + PARAMETER_PREFIX + "webhook.*");
            }
        }
        return read(email, webhooks, available,
                "runtime_environment_parameters." + PARAMETER_PREFIX + "email",
                "runtime_environment_parameters." + PARAMETER_PREFIX + "webhook");
    }

    /** The runtime parameters a notification is read from, to tell them apart from the others. */
    public static boolean isNotificationParameter(String key) {
        return key.startsWith(PARAMETER_PREFIX);
    }

    private static List<String> list(Map<String, Object> parameters, String key) {
        Object value = parameters.get(PARAMETER_PREFIX + key);
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> items) {
            return items.stream().map(String::valueOf).toList();
        }
        return java.util.Arrays.stream(String.valueOf(value).split("[,\\s]+")).filter(s -> !s.isBlank()).toList();
    }

    private static Notify read(Notify.EmailNotifications email, Notify.WebhookNotifications webhooks, Available available,
            String emailField, String webhookField) {
        Notify.EmailNotifications checkedEmail = email == null ? null
                : email(email, available.mail(), available.maxPerEvent(), emailField);
        Notify.WebhookNotifications checkedWebhooks = webhooks == null ? null
                : webhooks(webhooks, available.webhooks(), available.maxPerEvent(), webhookField);
        boolean anyEmail = checkedEmail != null && !checkedEmail.nobody();
        boolean anyWebhook = checkedWebhooks != null && !checkedWebhooks.nobody();
        if (!anyEmail && !anyWebhook) {
            return null;
        }
        return new Notify(anyEmail ? checkedEmail : null, anyWebhook ? checkedWebhooks : null);
    }

    /** An update: what it gives replaces that part, what it leaves out stays as it was. */
    public static Notify merge(Notify current, Notify.EmailNotifications email, Notify.WebhookNotifications webhooks,
            Available available) {
        Notify.EmailNotifications keptEmail = current == null ? null : current.email();
        Notify.WebhookNotifications keptWebhooks = current == null ? null : current.webhooks();
        // What was accepted before stays acceptable: only new addresses need mail configured.
        return read(email != null ? email : keptEmail, webhooks != null ? webhooks : keptWebhooks,
                available.withMail(available.mail() || email == null));
    }

    private static Notify.EmailNotifications email(Notify.EmailNotifications email, boolean mailEnabled, int max,
            String field) {
        List<String> onStart = addresses(field + ".on_start", email.onStart(), max);
        List<String> onSuccess = addresses(field + ".on_success", email.onSuccess(), max);
        List<String> onFailure = addresses(field + ".on_failure", email.onFailure(), max);
        if (!mailEnabled && !(onStart.isEmpty() && onSuccess.isEmpty() && onFailure.isEmpty())) {
            throw ApiException.badRequest(field,
                    "this service sends no email (no sender address is configured); leave it out, or use webhook_notifications");
        }
        return new Notify.EmailNotifications(onStart, onSuccess, onFailure,
                email.noAlertForSkippedRuns() == null ? Boolean.TRUE : email.noAlertForSkippedRuns());
    }

    private static List<String> addresses(String field, List<String> given, int max) {
        Set<String> addresses = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            String address = given.get(i) == null ? "" : given.get(i).trim();
            if (address.length() > MAX_ADDRESS_LENGTH || !ADDRESS.matcher(address).matches()) {
                throw ApiException.badRequest(field + "[" + i + "]",
                        "must be one email address such as someone@example.org, not '" + shorten(address) + "'");
            }
            addresses.add(address);
        }
        if (addresses.size() > max) {
            throw ApiException.badRequest(field, "at most " + max + " addresses, not " + addresses.size());
        }
        return new ArrayList<>(addresses);
    }

    private static Notify.WebhookNotifications webhooks(Notify.WebhookNotifications webhooks, Set<String> names, int max,
            String field) {
        return new Notify.WebhookNotifications(
                endpoints(field + ".on_start", webhooks.onStart(), names, max),
                endpoints(field + ".on_success", webhooks.onSuccess(), names, max),
                endpoints(field + ".on_failure", webhooks.onFailure(), names, max));
    }

    private static List<String> endpoints(String field, List<String> given, Set<String> names, int max) {
        Set<String> endpoints = new LinkedHashSet<>();
        for (int i = 0; i < given.size(); i++) {
            String name = given.get(i) == null ? "" : given.get(i).trim();
            if (!names.contains(name)) {
                String known = names.isEmpty() ? "this service has none configured"
                        : "configured: " + String.join(", ", names.stream().sorted().toList());
                throw ApiException.badRequest(field + "[" + i + "]", "no webhook named '" + shorten(name) + "' ("
                        + known + "); a webhook is an endpoint the operator sets up, named here, not a URL");
            }
            endpoints.add(name);
        }
        if (endpoints.size() > max) {
            throw ApiException.badRequest(field, "at most " + max + " webhooks, not " + endpoints.size());
        }
        return new ArrayList<>(endpoints);
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
