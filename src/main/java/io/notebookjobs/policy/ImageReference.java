package io.notebookjobs.policy;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A container image reference ({@code [registry[:port]/]path[:tag][@digest]}) checked with the
 * grammar of the distribution spec, and the registry it is pulled from ({@code docker.io} when
 * the first path part names no host).
 */
public record ImageReference(String text, String registry) {

    /** Longest reference accepted; the distribution spec limits names to 255 characters. */
    public static final int MAX_LENGTH = 512;

    private static final String COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
    private static final String HOST = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
            + "|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?";
    private static final Pattern GRAMMAR = Pattern.compile("^(?:(" + HOST + ")/)?(" + COMPONENT + "(?:/" + COMPONENT
            + ")*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$");

    /** Empty when the text is not an image reference. */
    public static Optional<ImageReference> parse(String text) {
        if (text == null || text.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        java.util.regex.Matcher m = GRAMMAR.matcher(text);
        if (!m.matches()) {
            return Optional.empty();
        }
        String host = m.group(1);
        // "library/python" has no host part: only a first part with a dot, a port or "localhost" is one.
        boolean isHost = host != null && (host.contains(".") || host.contains(":") || host.equals("localhost"));
        if (host != null && !isHost && !host.matches(COMPONENT)) {
            return Optional.empty();
        }
        return Optional.of(new ImageReference(text, isHost ? host.toLowerCase(java.util.Locale.ROOT) : "docker.io"));
    }
}
