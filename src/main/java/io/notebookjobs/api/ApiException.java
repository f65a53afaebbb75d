package io.notebookjobs.api;

/**
 * A request the service will not carry out, with the HTTP status to answer and a message for
 * the user. Messages name the field and the rule they broke; they never carry internals.
 */
public class ApiException extends RuntimeException {
    private final int status;

    private ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiException badRequest(String field, String rule) {
        return new ApiException(400, field + ": " + rule);
    }

    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, message);
    }

    /** A dependency (Kubernetes API, S3) failed; the message says which, never how. */
    public static ApiException unavailable(String message) {
        return new ApiException(503, message);
    }

    public int status() {
        return status;
    }
}
