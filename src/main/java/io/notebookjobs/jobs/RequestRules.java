package io.notebookjobs.jobs;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.notebook.OutputFormat;

/** Checks of single request fields; each failure names the field and the rule. */
public final class RequestRules {

    /** The names the jupyter-scheduler UI accepts. */
    public static final Pattern NAME = Pattern.compile("^[a-zA-Z0-9._][a-zA-Z0-9._ -]{0,62}$");
    private static final Pattern IDENTIFIER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]*$");
    private static final int MAX_PATH_BYTES = 900;
    private static final int MAX_TAGS = 50;
    private static final int MAX_TAG_LENGTH = 256;
    private static final int MAX_TOKEN_LENGTH = 256;

    private RequestRules() {
    }

    public static String name(String field, String name) {
        if (name == null || name.isBlank()) {
            throw ApiException.badRequest(field, "is required");
        }
        if (!NAME.matcher(name).matches()) {
            throw ApiException.badRequest(field, "must be 1 to 63 letters, digits, '.', '_', '-' or spaces, "
                    + "not starting with '-' or a space (" + NAME.pattern() + ")");
        }
        return name;
    }

    /** A notebook file name: no folders, ends in .ipynb. */
    public static String notebookFilename(String field, String filename) {
        if (filename == null || filename.isBlank()) {
            throw ApiException.badRequest(field, "is required");
        }
        if (filename.contains("/") || filename.contains("\\") || hasControlCharacters(filename)
                || filename.startsWith(".")) {
            throw ApiException.badRequest(field, "must be a plain file name, without folders or control characters");
        }
        if (!filename.endsWith(".ipynb")) {
            throw ApiException.badRequest(field, "must end in .ipynb");
        }
        return filename;
    }

    /** A path relative to the notebook's folder, safe to use as part of an S3 key. */
    public static String relativePath(String field, String path) {
        if (path == null || path.isBlank()) {
            throw ApiException.badRequest(field, "a file has no name");
        }
        if (path.startsWith("/") || path.matches("^[A-Za-z]:.*")) {
            throw ApiException.badRequest(field, "'" + path + "' is absolute; paths must be relative to the notebook's folder");
        }
        if (path.contains("\\") || hasControlCharacters(path)) {
            throw ApiException.badRequest(field, "'" + path + "' contains a backslash or a control character");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.equals("..")) {
                throw ApiException.badRequest(field, "'" + path + "' contains '..'; paths must stay inside the notebook's folder");
            }
            if (segment.isEmpty() || segment.equals(".")) {
                throw ApiException.badRequest(field, "'" + path + "' has an empty or '.' segment");
            }
        }
        if (path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
            throw ApiException.badRequest(field, "'" + path + "' is longer than " + MAX_PATH_BYTES + " bytes");
        }
        return path;
    }

    /** Known formats in the order given, without duplicates; none given means the notebook. */
    public static List<String> outputFormats(List<String> formats) {
        if (formats == null) {
            return List.of(OutputFormat.IPYNB.id());
        }
        LinkedHashSet<String> result = new LinkedHashSet<>();
        for (String format : formats) {
            if (format == null || OutputFormat.byId(format).isEmpty()) {
                throw ApiException.badRequest("output_formats", "unknown format '" + format + "' (known: "
                        + OutputFormat.knownIds() + ")");
            }
            result.add(format);
        }
        return new ArrayList<>(result);
    }

    public static List<String> tags(List<String> tags) {
        if (tags == null) {
            return List.of();
        }
        if (tags.size() > MAX_TAGS) {
            throw ApiException.badRequest("tags", "at most " + MAX_TAGS + " tags");
        }
        for (String tag : tags) {
            if (tag == null || tag.isBlank() || tag.length() > MAX_TAG_LENGTH) {
                throw ApiException.badRequest("tags", "each tag must be 1 to " + MAX_TAG_LENGTH + " characters");
            }
        }
        return List.copyOf(new LinkedHashSet<>(tags));
    }

    /** Parameter names become Python variables; values are Python expressions or plain scalars. */
    public static Map<String, Object> parameters(Map<String, Object> parameters) {
        if (parameters == null) {
            return Map.of();
        }
        for (Map.Entry<String, Object> p : parameters.entrySet()) {
            if (!IDENTIFIER.matcher(p.getKey()).matches()) {
                throw ApiException.badRequest("parameters." + p.getKey(), "parameter names must be Python identifiers");
            }
            Object v = p.getValue();
            if (v != null && !(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                throw ApiException.badRequest("parameters." + p.getKey(),
                        "must be a Python expression as a string, a number, a boolean or null");
            }
        }
        return parameters;
    }

    public static String idempotencyToken(String token) {
        if (token != null && (token.isBlank() || token.length() > MAX_TOKEN_LENGTH)) {
            throw ApiException.badRequest("idempotency_token", "must be 1 to " + MAX_TOKEN_LENGTH + " characters");
        }
        return token;
    }

    private static boolean hasControlCharacters(String text) {
        return text.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
    }
}
