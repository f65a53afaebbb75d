package io.notebookjobs.jobs;

import io.notebookjobs.model.Quantity;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * What a job asked for in {@code runtime_environment_parameters} (and the top-level
 * {@code timeout_seconds} / {@code max_retries}), validated and completed with defaults.
 *
 * @param env user environment variables in the order given; values are secret
 * @param echo the parameters as the API shows them back, environment values masked
 * @param pod what the group policy decided about the pod (profile, custom image, placement, volumes)
 */
public record RunSettings(
        Optional<Quantity> cpu,
        Optional<Quantity> memory,
        int gpu,
        Map<String, String> env,
        Duration timeout,
        int maxRetries,
        Map<String, Object> echo,
        io.notebookjobs.model.PodProfile pod) {
}
