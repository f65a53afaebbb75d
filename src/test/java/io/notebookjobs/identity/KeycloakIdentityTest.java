package io.notebookjobs.identity;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.As;
import io.notebookjobs.testing.HubPolicyProfile;
import io.notebookjobs.testing.KeycloakResource;
import io.notebookjobs.testing.KeycloakServer;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * Auth mode oidc with a real Keycloak: tokens of its users (groups from its group mapper, as
 * "/cpsHPCAccess" full paths) are verified against its keys and decide isolation and policy.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(KeycloakIdentityTest.WithKeycloak.class)
class KeycloakIdentityTest extends ServiceTest {

    public static class WithKeycloak implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "notebook-jobs.policy.file", "k8s/components/group-policy/policy.yaml",
                    "notebook-jobs.environments.pytorch.image", HubPolicyProfile.PYTORCH_IMAGE);
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(KeycloakResource.class));
        }
    }

    private static As keycloakUser(String name) {
        return new As(name, "Bearer " + KeycloakServer.get().token(name, name + "-password"));
    }

    @Test
    void keycloakUsersGetWhatTheirGroupsAllowAndNoMore() {
        As alice = keycloakUser("alice");
        As bob = keycloakUser("bob");
        As carol = keycloakUser("carol");
        Map<String, Object> a100 = Api.with(IsolationTest.job("keycloak a100", "default"),
                "runtime_environment_parameters", Map.of("profile", "a100-single"));

        String bobs = bob.create(a100);
        bob.get("/scheduler/jobs/" + bobs).body("owner", equalTo("bob"))
                .body("runtime_environment_parameters.profile", equalTo("a100-single"));
        bob.get("/scheduler/profiles").body("user.groups", equalTo(List.of("cpsHPCAccess")));
        alice.submit(a100).statusCode(400).body("message", startsWith("runtime_environment_parameters.profile: "
                + "'a100-single' is not one of your profiles"));
        String alices = alice.create(IsolationTest.job("keycloak standard", "pytorch"));
        alice.get("/scheduler/jobs").body("jobs.job_id", hasItems(alices)).body("jobs.job_id", not(hasItems(bobs)));
        alice.get("/scheduler/jobs/" + bobs).statusCode(404);
        carol.get("/scheduler/jobs").body("jobs.job_id", hasItems(alices, bobs));

        given().header("Authorization", "Bearer " + KeycloakServer.get().token("bob", "bob-password") + "x")
                .when().get("/scheduler/jobs").then().statusCode(401);
    }
}
