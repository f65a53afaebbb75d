package io.notebookjobs.notifications;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import jakarta.enterprise.context.ApplicationScoped;

import io.notebookjobs.config.NotebookJobsConfig;

/**
 * Posts notifications to the configured webhook endpoints. Each call says which event and which
 * delivery it is (receivers can drop a repeat: delivery is at least once) and, with a secret,
 * carries an HMAC-SHA256 signature of the body. Errors name the endpoint, never its URL, which
 * may itself be a credential.
 */
@ApplicationScoped
public class WebhookSender {

    public static final String SIGNATURE_HEADER = "X-Notebook-Jobs-Signature";
    public static final String EVENT_HEADER = "X-Notebook-Jobs-Event";
    public static final String DELIVERY_HEADER = "X-Notebook-Jobs-Delivery";

    private final NotebookJobsConfig.Notifications config;
    private final HttpClient client;

    public WebhookSender(NotebookJobsConfig config) {
        this.config = config.notifications();
        this.client = HttpClient.newBuilder().connectTimeout(this.config.timeout())
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public void send(String endpoint, String deliveryId, NotificationMessage message) throws DeliveryException {
        NotebookJobsConfig.Notifications.Webhook webhook = config.webhooks().get(endpoint);
        if (webhook == null) {
            throw new DeliveryException("no webhook named '" + endpoint + "' is configured any more");
        }
        String body = "slack".equalsIgnoreCase(webhook.format()) ? message.slack() : message.json();
        HttpRequest.Builder request;
        try {
            request = HttpRequest.newBuilder(URI.create(webhook.url()));
        } catch (IllegalArgumentException e) {
            throw new DeliveryException("webhook '" + endpoint + "' has no valid URL configured");
        }
        request.timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", "notebook-jobs")
                .header(EVENT_HEADER, message.event().eventName())
                .header(DELIVERY_HEADER, deliveryId)
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        webhook.secret().ifPresent(secret -> request.header(SIGNATURE_HEADER, "sha256=" + hmac(secret, body)));
        HttpResponse<Void> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            throw new DeliveryException("webhook '" + endpoint + "' could not be reached: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("webhook '" + endpoint + "': interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            throw new DeliveryException("webhook '" + endpoint + "' answered HTTP " + response.statusCode());
        }
    }

    /** Hex of HMAC-SHA256(secret, body), as GitHub-style receivers check it. */
    public static String hmac(String secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }
}
