package io.notebookjobs.identity;

import java.util.Set;

/**
 * Who sends a request, as the service verified it: a user name, the groups it belongs to, and
 * whether those groups make it an administrator. Every read and write is scoped by it.
 */
public record Caller(String name, Set<String> groups, boolean admin) {

    public Caller {
        groups = Set.copyOf(groups);
    }

    /** Administrators see and manage everyone's jobs and definitions; users only their own. */
    public boolean maySee(String owner) {
        return admin || name.equals(owner);
    }
}
