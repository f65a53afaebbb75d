package io.notebookjobs.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A real JupyterHub (local-dev/hub/hub) for the identity tests: started once per test JVM, with
 * users alice, bob (cpsHPCAccess), carol (jupyter_admin) and dave; tests mint tokens, change
 * groups and revoke tokens through the hub's REST API as its "harness" service.
 */
public final class JupyterHubServer {

    /** Away from the developer's hub (18800) and the UI suite's. */
    static final int PORT_BASE = Integer.getInteger("nbj.test.hub.port-base", 18870);
    public static final String USERS = "alice,bob,carol,dave";
    public static final String GROUPS = "cpsHPCAccess=bob;jupyter_admin=carol";

    private static JupyterHubServer running;

    /** A token the hub issued, with the id it can be revoked by. */
    public record HubToken(String user, String id, String token) {
        public String header() {
            return "token " + token;
        }
    }

    private final Path state = Path.of("target/hub-state").toAbsolutePath();
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private String apiUrl;
    private String harnessToken;

    private JupyterHubServer() {
    }

    public static synchronized JupyterHubServer get() {
        if (running == null) {
            JupyterHubServer hub = new JupyterHubServer();
            hub.start();
            Runtime.getRuntime().addShutdownHook(new Thread(hub::stop));
            running = hub;
        }
        return running;
    }

    public String apiUrl() {
        return apiUrl;
    }

    public synchronized void start() {
        apiUrl = script("up").strip();
        try {
            harnessToken = Files.readString(state.resolve("harness-token")).strip();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public synchronized void stop() {
        script("down");
    }

    /** A new token of the user with the service's access scope, as a single-user server holds. */
    public HubToken token(String user) {
        return token(user, List.of("access:services!service=notebook-jobs"));
    }

    public HubToken token(String user, List<String> scopes) {
        JsonNode created = call("POST", "/users/" + user + "/tokens",
                Map.of("scopes", scopes, "note", "notebook-jobs test"));
        return new HubToken(user, created.path("id").asText(), created.path("token").asText());
    }

    public void revoke(HubToken token) {
        call("DELETE", "/users/" + token.user() + "/tokens/" + token.id(), null);
    }

    public void addToGroup(String user, String group) {
        call("POST", "/groups/" + group + "/users", Map.of("users", List.of(user)));
    }

    public void removeFromGroup(String user, String group) {
        call("DELETE", "/groups/" + group + "/users", Map.of("users", List.of(user)));
    }

    private JsonNode call(String method, String path, Object body) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(apiUrl + path))
                    .header("Authorization", "token " + harnessToken);
            request = body == null ? request.method(method, HttpRequest.BodyPublishers.noBody())
                    : request.method(method, HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + ": HTTP " + response.statusCode() + " "
                        + response.body());
            }
            return response.body().isBlank() ? json.createObjectNode() : json.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String script(String command) {
        ProcessBuilder pb = new ProcessBuilder("local-dev/hub/hub", command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("NBJ_HUB_STATE_DIR", state.toString());
        pb.environment().put("NBJ_HUB_PORT_BASE", Integer.toString(PORT_BASE));
        pb.environment().put("NBJ_HUB_USERS", USERS);
        pb.environment().put("NBJ_HUB_GROUPS", GROUPS);
        try {
            Process process = pb.start();
            String out = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException("local-dev/hub/hub " + command + " failed (exit " + process.exitValue()
                        + "); see " + state.resolve("hub.log"));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
