package io.notebookjobs.notebook;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.notebookjobs.api.ApiException;

/**
 * What the service needs to know about a notebook before it accepts it: that it is a notebook at
 * all, which kernel runs it, and the extension its {@code script} export gets.
 */
public record NotebookInfo(String kernelName, String scriptExtension) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> EXTENSION_BY_LANGUAGE = Map.of("python", "py", "r", "r", "julia", "jl");

    /**
     * @param field the request field the bytes came from, for error messages
     */
    public static NotebookInfo inspect(String field, byte[] content) {
        JsonNode root;
        try {
            root = JSON.readTree(content);
        } catch (Exception e) {
            throw ApiException.badRequest(field, "not a Jupyter notebook: the file is not valid JSON");
        }
        if (root == null || !root.isObject() || !root.path("cells").isArray() || !root.path("nbformat").isInt()) {
            throw ApiException.badRequest(field, "not a Jupyter notebook: no 'cells' list or 'nbformat' number");
        }
        if (root.path("nbformat").asInt() < 4) {
            throw ApiException.badRequest(field, "notebook format " + root.path("nbformat").asInt()
                    + " is too old; save it with Jupyter to upgrade it to format 4");
        }
        JsonNode metadata = root.path("metadata");
        String kernel = metadata.path("kernelspec").path("name").asText("");
        if (kernel.isBlank()) {
            throw ApiException.badRequest(field,
                    "the notebook has no kernelspec (metadata.kernelspec.name); open it in Jupyter, pick a kernel and save it");
        }
        return new NotebookInfo(kernel, scriptExtension(metadata));
    }

    /** The same rule as the executor's, written down in docs/executor-contract.md. */
    static String scriptExtension(JsonNode metadata) {
        String fromLanguageInfo = metadata.path("language_info").path("file_extension").asText("");
        if (!fromLanguageInfo.isBlank()) {
            return fromLanguageInfo.startsWith(".") ? fromLanguageInfo.substring(1) : fromLanguageInfo;
        }
        String language = metadata.path("kernelspec").path("language").asText("").toLowerCase(Locale.ROOT);
        return Optional.ofNullable(EXTENSION_BY_LANGUAGE.get(language)).orElse("txt");
    }
}
