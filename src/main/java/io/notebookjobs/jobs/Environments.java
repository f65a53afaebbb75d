package io.notebookjobs.jobs;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.policy.ImageReference;

/**
 * The runtime environments: the configured ones, or, when an image catalogue is configured, the
 * images it lists (asked again after its cache time). A catalogue that cannot be reached makes
 * everything that needs the environments a 503 naming it: there is no silent fallback list.
 */
@ApplicationScoped
public class Environments {

    private static final Logger LOG = Logger.getLogger(Environments.class);

    private record Cached(List<Environment> environments, Instant until) {
    }

    private final NotebookJobsConfig config;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http;
    private volatile Cached cached;

    public Environments(NotebookJobsConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.http = config.catalogue().url().isEmpty() ? null
                : HttpClient.newBuilder().connectTimeout(config.catalogue().timeout()).build();
    }

    /** Every environment, sorted by name. */
    public List<Environment> all() {
        if (config.catalogue().url().isEmpty()) {
            return configured();
        }
        Cached current = cached;
        if (current == null || !clock.instant().isBefore(current.until())) {
            current = new Cached(fetch(config.catalogue().url().get()), clock.instant().plus(config.catalogue().cacheTtl()));
            cached = current;
        }
        return current.environments();
    }

    /** The named environment (the default one when no name is given), or a 400 naming those that exist. */
    public Environment get(String requested) {
        List<Environment> all = all();
        String name = requested == null || requested.isBlank() ? defaultName(all) : requested;
        return all.stream().filter(e -> e.name().equals(name)).findFirst()
                .orElseThrow(() -> ApiException.badRequest("runtime_environment_name", "unknown environment '" + name
                        + "' (available: " + String.join(", ", all.stream().map(Environment::name).toList()) + ")"));
    }

    private static String defaultName(List<Environment> all) {
        return all.stream().map(Environment::name).filter("default"::equals).findFirst()
                .orElse(all.isEmpty() ? "default" : all.get(0).name());
    }

    private List<Environment> configured() {
        return config.environments().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Environment(e.getKey(), e.getValue().image(), e.getValue().description(), false,
                        Map.of("image", e.getValue().image())))
                .toList();
    }

    private List<Environment> fetch(String url) {
        String host = URI.create(url).getHost();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(config.catalogue().timeout()).header("Accept", "application/json").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("HTTP " + response.statusCode());
            }
            List<Environment> environments = parse(json.readTree(response.body()));
            if (environments.isEmpty()) {
                throw new IllegalStateException("it lists no images");
            }
            return environments;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable(host, "interrupted");
        } catch (Exception e) {
            LOG.warnf("The image catalogue %s failed: %s", url, e.toString());
            throw unavailable(host, e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private static ApiException unavailable(String host, String why) {
        return ApiException.unavailable("The image catalogue (" + host + ") cannot be read (" + why
                + "); runtime environments are unknown until it answers");
    }

    /** Seed 001's shape: a list (or {"images": [...]}) of {name, display_name, description, image?, metadata}. */
    List<Environment> parse(JsonNode body) {
        JsonNode items = body.isArray() ? body : body.path("images");
        List<Environment> environments = new ArrayList<>();
        for (JsonNode item : items) {
            String name = item.path("name").asText("");
            if (name.isBlank()) {
                continue;
            }
            Optional<String> image = Optional.ofNullable(item.path("image").textValue())
                    .or(() -> config.catalogue().imageTemplate().map(t -> t.replace("{name}", name)));
            if (image.isEmpty() || ImageReference.parse(image.get()).isEmpty()) {
                LOG.warnf("The image catalogue's entry %s has no usable image (set notebook-jobs.catalogue.image-template)",
                        name);
                continue;
            }
            JsonNode meta = item.path("metadata");
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("image", image.get());
            metadata.put("display_name", item.path("display_name").asText(name));
            meta.fields().forEachRemaining(f -> metadata.put(f.getKey(), f.getValue().asText()));
            environments.add(new Environment(name, image.get(), item.path("description").asText(""),
                    meta.path("gpu_required").asBoolean(false) || "true".equals(meta.path("gpu_required").asText()),
                    metadata));
        }
        environments.sort(Comparator.comparing(Environment::name));
        return List.copyOf(environments);
    }
}
