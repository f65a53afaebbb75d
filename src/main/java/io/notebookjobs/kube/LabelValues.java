package io.notebookjobs.kube;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Turns arbitrary text (user names with '@', spaces or non-ASCII letters) into valid label values. */
public final class LabelValues {

    private static final Pattern VALID = Pattern.compile("^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$");

    private LabelValues() {
    }

    /**
     * A job's or definition's name as a label value: spaces become {@code _} so that names the
     * UI allows ("nightly report") stay readable in kubectl; anything still invalid is hashed.
     */
    public static String ofName(String name) {
        return of(name.replace(' ', '_'));
    }

    /** The text itself when it is a valid label value, else {@code sha256-} and 40 hex digits of its hash. */
    public static String of(String text) {
        if (VALID.matcher(text).matches()) {
            return text;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256-" + HexFormat.of().formatHex(digest).substring(0, 40);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
