package io.notebookjobs.identity;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.notebookjobs.testing.Api;
import io.notebookjobs.testing.As;
import io.notebookjobs.testing.HubPolicyProfile;
import io.notebookjobs.testing.JupyterHubServer;
import io.notebookjobs.testing.S3ProxyResource;
import io.notebookjobs.testing.ServiceTest;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/**
 * The service trusts a hub token for a bounded time (5 minutes here): a revoked token and a
 * change of groups take effect once that time has passed; a hub that cannot answer refuses the
 * tokens it has not seen (503), never lets them through.
 */
@QuarkusTest
@WithKubernetesTestServer
@QuarkusTestResource(S3ProxyResource.class)
@TestProfile(HubPolicyProfile.class)
class HubTokenTest extends ServiceTest {

    private static final Duration TTL = Duration.ofMinutes(5);

    private final JupyterHubServer hub = JupyterHubServer.get();

    private static Map<String, Object> a100(String name) {
        return Api.with(IsolationTest.job(name, "default"), "runtime_environment_parameters",
                Map.of("profile", "a100-single"));
    }

    @Test
    void groupChangesTakeEffectWhenTheTokenIsCheckedAgain() {
        As dave = As.user(hub.token("dave"));
        dave.get("/scheduler/profiles").body("profiles.name", equalTo(List.of("standard")));
        hub.addToGroup("dave", "cpsHPCAccess");
        try {
            dave.submit(a100("before refresh")).statusCode(400);
            clock.advance(TTL.plusSeconds(1));
            dave.get("/scheduler/profiles").body("user.groups", equalTo(List.of("cpsHPCAccess")));
            dave.submit(a100("after refresh")).statusCode(200);
        } finally {
            hub.removeFromGroup("dave", "cpsHPCAccess");
        }
        clock.advance(TTL.plusSeconds(1));
        dave.submit(a100("removed again")).statusCode(400);
    }

    @Test
    void aRevokedTokenStopsWorkingWithinTheCacheTime() {
        JupyterHubServer.HubToken token = hub.token("alice");
        As alice = As.user(token);
        alice.get("/scheduler/jobs").statusCode(200);
        hub.revoke(token);
        alice.get("/scheduler/jobs").statusCode(200);
        clock.advance(TTL.plusSeconds(1));
        alice.get("/scheduler/jobs").statusCode(401).body("message", containsString("does not accept this token"));
    }

    @Test
    void aHubOutageRefusesTokensItHasNotSeen() {
        As known = As.user(hub.token("bob"));
        As unknown = As.user(hub.token("bob"));
        known.get("/scheduler/jobs").statusCode(200);
        hub.stop();
        try {
            unknown.get("/scheduler/jobs").statusCode(503)
                    .body("message", containsString("JupyterHub (127.0.0.1) could not be reached to verify the token"));
            known.get("/scheduler/jobs").statusCode(200);
        } finally {
            hub.start();
        }
        unknown.get("/scheduler/jobs").statusCode(200);
    }
}
