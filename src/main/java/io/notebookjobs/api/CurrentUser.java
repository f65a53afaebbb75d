package io.notebookjobs.api;

import jakarta.enterprise.context.RequestScoped;

import io.notebookjobs.identity.Caller;

/** The caller of the current request, set by {@link AuthFilter} before any resource method runs. */
@RequestScoped
public class CurrentUser {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    public Caller caller() {
        if (caller == null) {
            throw new IllegalStateException("no caller: the authentication filter did not run for this request");
        }
        return caller;
    }
}
