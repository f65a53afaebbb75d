package io.notebookjobs.identity;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.As;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import io.quarkus.test.oidc.server.OidcWiremockTestResource;

/**
 * Auth mode oidc: bearer JWTs verified by quarkus-oidc against the issuer's keys (Quarkus' OIDC
 * test server here; KeycloakOidcIT does the same against a real Keycloak), the user name and
 * groups taken from the configured claims, and the same isolation and policy as with JupyterHub.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(OidcIdentityTest.Oidc.class)
class OidcIdentityTest extends ServiceTest {

    public static class Oidc implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "notebook-jobs.auth.mode", "oidc",
                    "notebook-jobs.auth.admin-groups", "jupyter_admin",
                    "notebook-jobs.policy.file", "k8s/components/group-policy/policy.yaml",
                    "quarkus.oidc.auth-server-url", "${keycloak.url}/realms/quarkus/",
                    "quarkus.oidc.token.audience", "https://server.example.com",
                    "quarkus.log.category.\"io.notebookjobs.identity\".level", "DEBUG");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(OidcWiremockTestResource.class));
        }
    }

    private static As bearer(String user, String... groups) {
        return new As(user, "Bearer " + OidcWiremockTestResource.getAccessToken(user, Set.of(groups)));
    }

    @Test
    void verifiedTokensDecideWhoIsCalling() {
        As alice = bearer("alice");
        As bob = bearer("bob", "cpsHPCAccess");
        As carol = bearer("carol", "jupyter_admin");
        String bobs = bob.create(Api.with(IsolationTest.job("oidc gpu", "default"), "runtime_environment_parameters",
                Map.of("profile", "a100-single")));
        bob.get("/scheduler/jobs/" + bobs).statusCode(200).body("owner", equalTo("bob"));
        alice.get("/scheduler/jobs/" + bobs).statusCode(404);
        alice.get("/scheduler/jobs").statusCode(200).body("jobs.job_id", not(hasItems(bobs)));
        alice.get("/scheduler/profiles").body("profiles.name", equalTo(List.of("standard")));
        carol.get("/scheduler/jobs").body("jobs.job_id", hasItems(bobs));
        carol.get("/scheduler/profiles").body("user.admin", equalTo(true));
    }

    @Test
    void anythingButAValidBearerTokenIsA401() {
        given().when().get("/scheduler/jobs").then().statusCode(401)
                .body("message", equalTo("sign in: send Authorization: Bearer <token>"));
        given().header("Authorization", "Bearer not.a.jwt").when().get("/scheduler/jobs").then().statusCode(401)
                .body("message", containsString("the bearer token was not accepted"));
        String valid = OidcWiremockTestResource.getAccessToken("alice", Set.of());
        given().header("Authorization", "token " + valid).when().get("/scheduler/jobs").then().statusCode(401)
                .body("message", containsString("must be Authorization: Bearer"));
        // Signed by the issuer's key, but for another service.
        String otherAudience = io.smallrye.jwt.build.Jwt.preferredUserName("alice").issuer("https://server.example.com")
                .audience("https://someone-else.example.com").expiresIn(300).jws().keyId("1").sign("privateKey.jwk");
        given().header("Authorization", "Bearer " + otherAudience).when().get("/scheduler/jobs").then().statusCode(401);
        given().header("Authorization", "Bearer " + valid).when().get("/scheduler/jobs").then().statusCode(200);
        given().when().get("/q/health/live").then().statusCode(200);
    }
}
