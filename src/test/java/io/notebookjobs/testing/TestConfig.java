package io.notebookjobs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import io.notebookjobs.config.NotebookJobsConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * The service's configuration without starting Quarkus: application.properties (prod profile)
 * plus overrides, for unit tests of the small pure pieces.
 */
public final class TestConfig {

    private TestConfig() {
    }

    public static NotebookJobsConfig load(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(Map.of("notebook-jobs.s3.bucket", "notebook-jobs"));
        values.putAll(overrides);
        try {
            SmallRyeConfig config = new SmallRyeConfigBuilder()
                    .withMapping(NotebookJobsConfig.class)
                    .addDefaultInterceptors()
                    .withConverter(MemorySize.class, 100, new MemorySizeConverter())
                    .withConverter(Duration.class, 100, new DurationConverter())
                    .withSources(new PropertiesConfigSource(TestConfig.class.getResource("/application.properties"), 250))
                    .withSources(new MapBackedConfigSource("test overrides", values, 500) {
                    })
                    .withDefaultValue("smallrye.config.mapping.validate-unknown", "false")
                    .build();
            return config.getConfigMapping(NotebookJobsConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
