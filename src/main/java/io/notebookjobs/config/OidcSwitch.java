package io.notebookjobs.config;

import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.common.MapBackedConfigSource;

/**
 * quarkus-oidc's default tenant is on exactly when {@code notebook-jobs.auth.mode} is
 * {@code oidc}, so one setting chooses the mode (and the other modes need no issuer). An explicit
 * {@code quarkus.oidc.tenant-enabled} still wins: this source has a low ordinal.
 */
public class OidcSwitch implements ConfigSourceFactory {

    static final String KEY = "quarkus.oidc.tenant-enabled";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue mode = context.getValue("notebook-jobs.auth.mode");
        boolean oidc = mode != null && mode.getValue() != null && mode.getValue().trim().equalsIgnoreCase("oidc");
        return List.of(new MapBackedConfigSource("notebook-jobs auth mode", Map.of(KEY, Boolean.toString(oidc)), 110) {
        });
    }
}
