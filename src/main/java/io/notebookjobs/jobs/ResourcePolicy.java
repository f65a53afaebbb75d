package io.notebookjobs.jobs;

import io.notebookjobs.model.Quantity;
import java.time.Duration;
import java.util.Optional;

import io.notebookjobs.config.NotebookJobsConfig;

/** Defaults and maxima a job's requests are checked against. */
public record ResourcePolicy(
        Optional<Quantity> defaultCpu,
        Optional<Quantity> defaultMemory,
        Quantity maxCpu,
        Quantity maxMemory,
        int maxGpu,
        Duration defaultTimeout,
        Duration maxTimeout,
        int maxRetries) {

    /** Below this a memory request is surely a unit mistake ({@code 512} bytes instead of {@code 512Mi}). */
    static final Quantity MIN_MEMORY = Quantity.parse("16Mi").orElseThrow();
    static final Quantity MIN_CPU = Quantity.parse("1m").orElseThrow();

    public static ResourcePolicy from(NotebookJobsConfig config) {
        NotebookJobsConfig.Resources r = config.resources();
        return new ResourcePolicy(
                r.defaultCpu().map(v -> configQuantity("notebook-jobs.resources.default-cpu", v)),
                r.defaultMemory().map(v -> configQuantity("notebook-jobs.resources.default-memory", v)),
                configQuantity("notebook-jobs.resources.max-cpu", r.maxCpu()),
                configQuantity("notebook-jobs.resources.max-memory", r.maxMemory()),
                r.maxGpu(),
                config.runtime().defaultTimeout(),
                config.runtime().maxTimeout(),
                config.runtime().maxRetries());
    }

    private static Quantity configQuantity(String key, String value) {
        return Quantity.parse(value).filter(Quantity::isPositive)
                .orElseThrow(() -> new IllegalArgumentException(key + " is not a positive quantity: " + value));
    }
}
