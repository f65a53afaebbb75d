package io.notebookjobs.kube;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/** Kubernetes timestamps are RFC 3339 strings in the fabric8 model. */
final class Times {

    private Times() {
    }

    static Optional<Instant> parse(String timestamp) {
        if (timestamp == null || timestamp.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(timestamp));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
