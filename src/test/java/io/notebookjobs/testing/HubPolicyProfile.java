package io.notebookjobs.testing;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/**
 * The service as a shared JupyterHub deployment runs it: tokens verified by a real hub, the
 * example group policy, and the runtime environments its profiles name.
 */
public class HubPolicyProfile implements QuarkusTestProfile {

    public static final String PYTORCH_IMAGE = "notebook-jobs/executor-pytorch:2025-11-06";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "notebook-jobs.policy.file", "k8s/components/group-policy/policy.yaml",
                "notebook-jobs.environments.pytorch.image", PYTORCH_IMAGE,
                "notebook-jobs.environments.pytorch.description", "PyTorch",
                "notebook-jobs.auth.jupyterhub.cache-ttl", "5m",
                // Larger than the groups' limits, so that the groups' limits are what the tests meet.
                "notebook-jobs.resources.max-cpu", "32",
                "notebook-jobs.resources.max-memory", "256Gi");
    }

    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(JupyterHubResource.class));
    }
}
