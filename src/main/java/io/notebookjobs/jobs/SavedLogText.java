package io.notebookjobs.jobs;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tail} and {@code since} on a saved executor log, whose lines begin with their UTC time
 * ({@code 2026-11-23T13:57:03Z INFO ...}), as the kubelet applies them to a live one.
 */
final class SavedLogText {

    private static final int TIME_LENGTH = "2026-11-23T13:57:03Z".length();

    private SavedLogText() {
    }

    /**
     * @param tailLines null for all lines
     * @param notBefore null for all times; a line without a time of its own goes with the line before it
     */
    static String select(String log, Integer tailLines, Instant notBefore) {
        List<String> lines = new ArrayList<>(log.lines().toList());
        if (notBefore != null) {
            List<String> kept = new ArrayList<>();
            boolean keep = false;
            for (String line : lines) {
                Instant at = timeOf(line);
                if (at != null) {
                    keep = !at.isBefore(notBefore);
                }
                if (keep) {
                    kept.add(line);
                }
            }
            lines = kept;
        }
        if (tailLines != null && lines.size() > tailLines) {
            lines = lines.subList(lines.size() - tailLines, lines.size());
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    private static Instant timeOf(String line) {
        if (line.length() < TIME_LENGTH || line.charAt(TIME_LENGTH - 1) != 'Z') {
            return null;
        }
        try {
            return Instant.parse(line.substring(0, TIME_LENGTH));
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
