package io.notebookjobs.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.notebookjobs.testing.TestClock;

/**
 * The cache in front of the hub, against an HTTP endpoint that answers like the hub's
 * {@code /user} (the real hub is in IsolationTest and HubTokenTest): concurrent requests with a
 * new token ask once, the cache stays within its size, a failure is not remembered.
 */
class JupyterHubAuthenticatorTest {

    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);
    private final TestClock clock = new TestClock();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/hub/api/user", exchange -> {
            calls.incrementAndGet();
            String token = exchange.getRequestHeaders().getFirst("Authorization").substring("token ".length());
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int status = token.startsWith("bad") ? 403 : 200;
            byte[] body = ("{\"kind\": \"user\", \"name\": \"" + token + "\", \"groups\": [\"g\"], "
                    + "\"scopes\": [\"access:services!service=notebook-jobs\"]}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private JupyterHubAuthenticator authenticator(int size) {
        return new JupyterHubAuthenticator("http://127.0.0.1:" + server.getAddress().getPort() + "/hub/api",
                "access:services!service=notebook-jobs", Duration.ofMinutes(5), size, Duration.ofSeconds(5), clock);
    }

    @Test
    void concurrentRequestsWithANewTokenAskTheHubOnce() throws Exception {
        JupyterHubAuthenticator hub = authenticator(100);
        List<CompletableFuture<JupyterHubAuthenticator.HubUser>> answers = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            answers.add(hub.verify("alice").toCompletableFuture());
        }
        release.countDown();
        for (CompletableFuture<JupyterHubAuthenticator.HubUser> a : answers) {
            assertThat(a.get().name()).isEqualTo("alice");
        }
        assertThat(calls).hasValue(1);
    }

    @Test
    void theCacheStaysWithinItsSizeAndForgetsFailures() throws Exception {
        release.countDown();
        JupyterHubAuthenticator hub = authenticator(3);
        for (String user : List.of("u1", "u2", "u3", "u4", "u5")) {
            hub.verify(user).toCompletableFuture().get();
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(calls).hasValue(5);
        hub.verify("u5").toCompletableFuture().get();
        assertThat(calls).as("the newest are kept").hasValue(5);
        hub.verify("u1").toCompletableFuture().get();
        assertThat(calls).as("the oldest were dropped").hasValue(6);

        assertThatThrownBy(() -> hub.verify("bad-token").toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class).hasRootCauseInstanceOf(IdentityException.class);
        assertThatThrownBy(() -> hub.verify("bad-token").toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class);
        assertThat(calls).as("a refusal is not remembered").hasValue(8);
    }

    @Test
    void theTokenNeverAppearsInWhatIsKept() {
        assertThat(JupyterHubAuthenticator.hash("secret-token")).hasSize(64).doesNotContain("secret");
    }
}
