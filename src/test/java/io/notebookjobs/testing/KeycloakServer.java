package io.notebookjobs.testing;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A real Keycloak (local-dev/keycloak/keycloak) with the notebook-jobs realm, started once per
 * test JVM; tests get access tokens of its users by the password grant.
 */
public final class KeycloakServer {

    static final int PORT = Integer.getInteger("nbj.test.keycloak.port", 18190);

    private static KeycloakServer running;

    private final Path state = Path.of("target/keycloak-state").toAbsolutePath();
    private String issuer;

    public static synchronized KeycloakServer get() {
        if (running == null) {
            KeycloakServer keycloak = new KeycloakServer();
            keycloak.issuer = keycloak.script("up").strip();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> keycloak.script("down")));
            running = keycloak;
        }
        return running;
    }

    public String issuer() {
        return issuer;
    }

    /** An access token of a realm user (password grant of the test client). */
    public String token(String user, String password) {
        return script("token", user, password).strip();
    }

    private String script(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "local-dev/keycloak/keycloak";
        System.arraycopy(args, 0, command, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("NBJ_KC_STATE_DIR", state.toString());
        pb.environment().put("NBJ_KC_PORT", Integer.toString(PORT));
        try {
            Process process = pb.start();
            String out = new String(process.getInputStream().readAllBytes());
            if (process.waitFor() != 0) {
                throw new IllegalStateException("local-dev/keycloak/keycloak " + args[0] + " failed (exit "
                        + process.exitValue() + "); see " + state.resolve("keycloak.log"));
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
