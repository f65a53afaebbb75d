package io.notebookjobs.testing;

import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** The service with Kueue support on and a group policy whose default profile names a LocalQueue. */
public class KueueProfile implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "notebook-jobs.kube.kueue.enabled", "true",
                "notebook-jobs.policy.file", "src/test/resources/policies/kueue-policy.yaml");
    }
}
