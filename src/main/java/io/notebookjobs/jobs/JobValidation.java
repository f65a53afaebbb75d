package io.notebookjobs.jobs;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.config.NotebookJobsConfig;

/** Checks the fields jobs and job definitions share, with the configured defaults and maxima. */
@ApplicationScoped
public class JobValidation {

    private final NotebookJobsConfig config;
    private final ResourcePolicy policy;

    public JobValidation(NotebookJobsConfig config) {
        this.config = config;
        this.policy = ResourcePolicy.from(config);
    }

    public ValidatedJob validate(JobFields fields) {
        String name = RequestRules.name("name", fields.name());
        String environment = environment(fields.runtimeEnvironmentName());
        RunSettings settings = RuntimeParameters.parse(fields.runtimeEnvironmentParameters(), fields.timeoutSeconds(),
                fields.maxRetries(), policy);
        if (fields.outputFilenameTemplate() != null && !fields.outputFilenameTemplate().isBlank()) {
            throw ApiException.badRequest("output_filename_template",
                    "not supported: outputs are named <input>-<YYYY-MM-DD-hh-mm-ss-AM|PM>.<format>");
        }
        return new ValidatedJob(name, environment, config.environments().get(environment).image(), settings,
                RequestRules.outputFormats(fields.outputFormats()), RequestRules.tags(fields.tags()),
                RequestRules.parameters(fields.parameters()), fields.computeType(),
                Boolean.TRUE.equals(fields.packageInputFolder()));
    }

    public ResourcePolicy policy() {
        return policy;
    }

    /** The image of an environment, or a 400 naming the ones that exist. */
    public String image(String environment) {
        return config.environments().get(environment(environment)).image();
    }

    private String environment(String requested) {
        Map<String, NotebookJobsConfig.Environment> environments = config.environments();
        String name = requested == null || requested.isBlank() ? defaultEnvironment() : requested;
        if (!environments.containsKey(name)) {
            throw ApiException.badRequest("runtime_environment_name", "unknown environment '" + name + "' (available: "
                    + String.join(", ", environments.keySet().stream().sorted().toList()) + ")");
        }
        return name;
    }

    private String defaultEnvironment() {
        return config.environments().containsKey("default") ? "default"
                : config.environments().keySet().stream().sorted().findFirst().orElse("default");
    }
}
