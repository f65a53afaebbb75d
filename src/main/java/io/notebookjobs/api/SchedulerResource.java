package io.notebookjobs.api;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.notebookjobs.api.Responses.OutputFormatOption;
import io.notebookjobs.api.Responses.RuntimeEnvironment;
import io.notebookjobs.api.Responses.SchedulerConfig;
import io.notebookjobs.config.NotebookJobsConfig;
import io.notebookjobs.notebook.OutputFormat;

/** What the UI asks at start-up: which features work and which environments exist. */
@Path("/scheduler")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "scheduler")
public class SchedulerResource {

    /**
     * The truth about this service, feature by feature: the UI hides what is false. Output file
     * names are fixed, so no template; retries are counted, not timed; nothing sends email.
     */
    static final Map<String, Boolean> SUPPORTED_FEATURES;

    static {
        Map<String, Boolean> features = new LinkedHashMap<>();
        features.put("job_name", true);
        features.put("parameters", true);
        features.put("output_formats", true);
        features.put("job_definition", true);
        features.put("idempotency_token", true);
        features.put("tags", true);
        features.put("email_notifications", false);
        features.put("timeout_seconds", true);
        features.put("retry_on_timeout", false);
        features.put("max_retries", true);
        features.put("min_retry_interval_millis", false);
        features.put("output_filename_template", false);
        features.put("stop_job", true);
        features.put("delete_job", true);
        SUPPORTED_FEATURES = java.util.Collections.unmodifiableMap(features);
    }

    private final NotebookJobsConfig config;

    public SchedulerResource(NotebookJobsConfig config) {
        this.config = config;
    }

    @GET
    @Path("/config")
    @Operation(summary = "Features this service supports")
    public SchedulerConfig config() {
        return new SchedulerConfig(SUPPORTED_FEATURES, "");
    }

    @GET
    @Path("/runtime_environments")
    @Operation(summary = "Environments jobs can run in: each is an executor image")
    public List<RuntimeEnvironment> runtimeEnvironments() {
        List<OutputFormatOption> formats = Arrays.stream(OutputFormat.values())
                .map(f -> new OutputFormatOption(f.id(), f.label()))
                .toList();
        return config.environments().entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new RuntimeEnvironment(e.getKey(), e.getKey(), e.getValue().description(), List.of("ipynb"),
                        formats, Map.of("image", e.getValue().image()), List.of(), null, false))
                .toList();
    }
}
