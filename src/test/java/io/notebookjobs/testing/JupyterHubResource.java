package io.notebookjobs.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points the service at the test JVM's real JupyterHub ({@link JupyterHubServer}), in auth mode
 * jupyterhub with jupyter_admin as the administrators' group.
 */
public class JupyterHubResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        JupyterHubServer hub = JupyterHubServer.get();
        return Map.of(
                "notebook-jobs.auth.mode", "jupyterhub",
                "notebook-jobs.auth.jupyterhub.api-url", hub.apiUrl(),
                "notebook-jobs.auth.admin-groups", "jupyter_admin");
    }

    @Override
    public void stop() {
        // The hub outlives one application: it is stopped when the test JVM ends.
    }
}
