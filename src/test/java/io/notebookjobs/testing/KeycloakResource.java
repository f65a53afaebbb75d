package io.notebookjobs.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Auth mode oidc against the test JVM's real Keycloak, as docs/operations.md wires it. */
public class KeycloakResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        KeycloakServer keycloak = KeycloakServer.get();
        return Map.of(
                "notebook-jobs.auth.mode", "oidc",
                "quarkus.oidc.auth-server-url", keycloak.issuer(),
                "quarkus.oidc.token.audience", "notebook-jobs",
                "notebook-jobs.auth.admin-groups", "jupyter_admin");
    }

    @Override
    public void stop() {
        // Keycloak outlives one application: it is stopped when the test JVM ends.
    }
}
