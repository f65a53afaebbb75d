package io.notebookjobs.api;

import java.util.List;
import java.util.Optional;

import io.notebookjobs.jobs.JobStatus;

/**
 * Query parameters as the UI sends them: a valueless parameter ({@code ?status&...}) counts as
 * absent, and a malformed value is a 400 naming the parameter.
 */
final class QueryParams {

    private QueryParams() {
    }

    static Optional<String> text(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
    }

    static Optional<Long> number(String name, String value) {
        return text(value).map(v -> {
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw ApiException.badRequest(name, "'" + v + "' is not a whole number");
            }
        });
    }

    static Optional<Integer> count(String name, String value) {
        return number(name, value).map(n -> {
            if (n < 0 || n > Integer.MAX_VALUE) {
                throw ApiException.badRequest(name, "must be between 0 and " + Integer.MAX_VALUE);
            }
            return n.intValue();
        });
    }

    /** {@code true} or {@code false}; absent is false. */
    static boolean flag(String name, String value) {
        return text(value).map(v -> switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw ApiException.badRequest(name, "must be true or false, not '" + v + "'");
        }).orElse(false);
    }

    static Optional<JobStatus> status(String value) {
        return text(value).map(v -> JobStatus.parse(v).orElseThrow(() -> ApiException.badRequest("status",
                "unknown status '" + v + "' (known: " + String.join(", ",
                        java.util.Arrays.stream(JobStatus.values()).map(Enum::name).toList()) + ")")));
    }

    static List<String> values(List<String> values) {
        return values == null ? List.of()
                : values.stream().filter(v -> v != null && !v.isBlank()).map(String::strip).toList();
    }
}
