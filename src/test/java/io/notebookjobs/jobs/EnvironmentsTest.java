package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.testing.TestClock;
import io.notebookjobs.testing.TestConfig;

/**
 * Runtime environments from an image catalogue in seed 001's shape, served over real HTTP:
 * cached, refreshed after its time, and a 503 naming it when it cannot be read (no fallback).
 */
class EnvironmentsTest {

    private static final String CATALOGUE = """
            [{"name": "jupyter-ml-gpu", "display_name": "ML (GPU)", "description": "PyTorch with CUDA",
              "metadata": {"gpu_required": true, "cpu_limit": "8", "mem_limit": "32G"}},
             {"name": "jupyter-ml-cpu", "display_name": "ML (CPU)", "description": "scikit-learn",
              "metadata": {"gpu_required": false}},
             {"name": "pinned", "image": "quay.io/acme/pinned:1.2", "metadata": {}}]
            """;

    private HttpServer server;
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicReference<String> body = new AtomicReference<>(CATALOGUE);
    private final AtomicInteger status = new AtomicInteger(200);
    private final TestClock clock = new TestClock();

    @BeforeEach
    void serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/api/v1/images/jupyter", exchange -> {
            calls.incrementAndGet();
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private Environments environments() {
        return new Environments(TestConfig.load(Map.of(
                "notebook-jobs.catalogue.url", "http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1/images/jupyter",
                "notebook-jobs.catalogue.image-template", "harbor.example.org/library/{name}:latest")), clock);
    }

    @Test
    void theCatalogueReplacesTheConfiguredEnvironments() {
        Environments environments = environments();
        assertThat(environments.all()).extracting(Environment::name)
                .containsExactly("jupyter-ml-cpu", "jupyter-ml-gpu", "pinned");
        Environment gpu = environments.get("jupyter-ml-gpu");
        assertThat(gpu.image()).isEqualTo("harbor.example.org/library/jupyter-ml-gpu:latest");
        assertThat(gpu.gpuRequired()).isTrue();
        assertThat(gpu.metadata()).containsEntry("display_name", "ML (GPU)").containsEntry("cpu_limit", "8");
        assertThat(environments.get("pinned").image()).isEqualTo("quay.io/acme/pinned:1.2");
        assertThatThrownBy(() -> environments.get("default")).isInstanceOf(ApiException.class)
                .hasMessageContaining("runtime_environment_name: unknown environment 'default'");
        assertThat(calls).hasValue(1);
    }

    @Test
    void itIsAskedAgainAfterItsCacheTimeAndNeverFallsBack() {
        Environments environments = environments();
        environments.all();
        status.set(503);
        assertThat(environments.all()).as("cached").hasSize(3);
        clock.advance(Duration.ofMinutes(6));
        assertThatThrownBy(environments::all).isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).status()).isEqualTo(503))
                .hasMessageContaining("The image catalogue (127.0.0.1) cannot be read (HTTP 503)");
        status.set(200);
        body.set("[{\"name\": \"only-one\"}]");
        assertThat(environments.all()).extracting(Environment::name).containsExactly("only-one");

        body.set("[]");
        clock.advance(Duration.ofMinutes(6));
        assertThatThrownBy(environments::all).hasMessageContaining("it lists no images");
        server.stop(0);
        assertThatThrownBy(environments::all).isInstanceOf(ApiException.class)
                .hasMessageContaining("The image catalogue (127.0.0.1) cannot be read");
    }
}
