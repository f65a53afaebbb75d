package io.notebookjobs.api;

import jakarta.enterprise.context.ApplicationScoped;

import io.notebookjobs.config.NotebookJobsConfig;

/**
 * Who is asking. Until authentication exists every request acts as the configured default
 * owner; every read and write is already scoped by this, so adding identities changes only here.
 */
@ApplicationScoped
public class CurrentUser {

    private final String defaultOwner;

    public CurrentUser(NotebookJobsConfig config) {
        this.defaultOwner = config.defaultOwner();
    }

    public String name() {
        return defaultOwner;
    }
}
