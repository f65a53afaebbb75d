package io.notebookjobs.identity;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Verifies JupyterHub API tokens the way JupyterHub's own services do: ask the hub who owns the
 * token ({@code GET {api}/user}), require the service's access scope, take the name and groups.
 * Answers are remembered by a hash of the token (never the token) for a bounded time, so a
 * revoked token stops working within that time; concurrent requests with the same new token ask
 * the hub once. When the hub cannot answer, a token not remembered is refused with "unavailable",
 * never let through.
 */
public class JupyterHubAuthenticator {

    private static final Logger LOG = Logger.getLogger(JupyterHubAuthenticator.class);
    private static final String ANY_SERVICE_SCOPE = "access:services";

    /** The token's owner as the hub describes it. */
    public record HubUser(String name, Set<String> groups) {
    }

    private record Remembered(CompletableFuture<HubUser> answer, Instant until) {
    }

    private final URI userUrl;
    private final String requiredScope;
    private final Duration ttl;
    private final int maxEntries;
    private final Duration timeout;
    private final Clock clock;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

    public JupyterHubAuthenticator(String apiUrl, String requiredScope, Duration ttl, int maxEntries, Duration timeout,
            Clock clock) {
        this.userUrl = URI.create(apiUrl.endsWith("/") ? apiUrl + "user" : apiUrl + "/user");
        this.requiredScope = requiredScope;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.timeout = timeout;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The hub's answer for the token; fails with an {@link IdentityException}. */
    public CompletionStage<HubUser> verify(String token) {
        String key = hash(token);
        Instant now = clock.instant();
        Remembered entry = remembered.compute(key, (k, old) -> old != null && now.isBefore(old.until()) ? old
                : new Remembered(ask(token), now.plus(ttl)));
        // A failed answer is not remembered: the next request asks again.
        entry.answer().whenComplete((user, error) -> {
            if (error != null) {
                remembered.remove(key, entry);
            }
        });
        if (remembered.size() > maxEntries) {
            evict(now);
        }
        return entry.answer();
    }

    private CompletableFuture<HubUser> ask(String token) {
        HttpRequest request = HttpRequest.newBuilder(userUrl)
                .timeout(timeout)
                .header("Authorization", "token " + token)
                .header("Accept", "application/json")
                .GET()
                .build();
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .handle((response, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException && error.getCause() != null
                                ? error.getCause() : error;
                        LOG.warnf("JupyterHub at %s could not be asked about a token: %s", userUrl, cause.toString());
                        throw IdentityException.unavailable("JupyterHub (" + userUrl.getHost()
                                + ") could not be reached to verify the token; try again shortly");
                    }
                    return answer(response);
                });
    }

    private HubUser answer(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw IdentityException.unauthenticated("JupyterHub does not accept this token (expired or revoked?)");
        }
        if (status != 200) {
            LOG.warnf("JupyterHub at %s answered HTTP %d to a token check", userUrl, status);
            throw IdentityException.unavailable("JupyterHub (" + userUrl.getHost() + ") answered HTTP " + status
                    + " when asked to verify the token; try again shortly");
        }
        JsonNode model;
        try {
            model = json.readTree(response.body());
        } catch (java.io.IOException e) {
            throw IdentityException.unavailable("JupyterHub (" + userUrl.getHost() + ") answered with something "
                    + "that is not a user model");
        }
        String kind = model.path("kind").asText("user");
        String name = model.path("name").asText("");
        if (!"user".equals(kind) || name.isBlank()) {
            throw IdentityException.unauthenticated("the token belongs to a JupyterHub " + kind + ", not to a user");
        }
        Set<String> scopes = strings(model.path("scopes"));
        if (!scopes.contains(requiredScope) && !scopes.contains(ANY_SERVICE_SCOPE)) {
            throw IdentityException.unauthenticated("the token of " + name + " lacks the scope " + requiredScope
                    + "; the hub must grant it to users and to their servers' tokens (docs/jupyterlab.md)");
        }
        return new HubUser(name, strings(model.path("groups")));
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> values = new LinkedHashSet<>();
        array.forEach(v -> {
            if (v.isTextual()) {
                values.add(v.asText());
            }
        });
        return values;
    }

    /** Drops expired answers, and when that is not enough the ones that expire first. */
    private void evict(Instant now) {
        remembered.entrySet().removeIf(e -> !now.isBefore(e.getValue().until()));
        int excess = remembered.size() - maxEntries;
        if (excess > 0) {
            List<Map.Entry<String, Remembered>> entries = new ArrayList<>(remembered.entrySet());
            entries.sort(Map.Entry.comparingByValue(java.util.Comparator.comparing(Remembered::until)));
            entries.stream().limit(excess).forEach(e -> remembered.remove(e.getKey(), e.getValue()));
        }
    }

    static String hash(String token) {
        try {
            return HexFormat.of().formatHex(
                    MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
