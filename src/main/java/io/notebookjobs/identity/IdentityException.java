package io.notebookjobs.identity;

/**
 * A request whose caller could not be established: without credentials or with ones the
 * identity provider refused ({@link Kind#UNAUTHENTICATED}), or because the provider could not be
 * asked ({@link Kind#UNAVAILABLE}; never taken as a pass). Messages never contain the token.
 */
public class IdentityException extends RuntimeException {

    public enum Kind {
        UNAUTHENTICATED, UNAVAILABLE
    }

    private final Kind kind;

    private IdentityException(Kind kind, String message) {
        super(message, null, false, false);
        this.kind = kind;
    }

    public static IdentityException unauthenticated(String message) {
        return new IdentityException(Kind.UNAUTHENTICATED, message);
    }

    public static IdentityException unavailable(String message) {
        return new IdentityException(Kind.UNAVAILABLE, message);
    }

    public Kind kind() {
        return kind;
    }
}
