package io.notebookjobs.identity;

import java.util.Locale;

/** How the service learns who is calling ({@code notebook-jobs.auth.mode}). */
public enum AuthMode {
    /** Every request acts as one configured owner: a single-user laptop, never a shared service. */
    NONE,
    /** {@code Authorization: token <JupyterHub API token>}, verified by asking the hub. */
    JUPYTERHUB,
    /** {@code Authorization: Bearer <JWT>}, verified against the OIDC issuer's keys. */
    OIDC;

    public static AuthMode parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "notebook-jobs.auth.mode must be none, jupyterhub or oidc, not '" + text + "'");
        }
    }
}
