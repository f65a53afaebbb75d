package io.notebookjobs.notebook;

import java.util.Arrays;
import java.util.Optional;

/** The output formats the executor can write, with their labels in the UI and file extensions. */
public enum OutputFormat {
    IPYNB("ipynb", "Notebook", "ipynb"),
    HTML("html", "HTML", "html"),
    MARKDOWN("markdown", "Markdown", "md"),
    SCRIPT("script", "Script", null),
    LATEX("latex", "LaTeX", "tex"),
    PDF("pdf", "PDF", "pdf");

    private final String id;
    private final String label;
    private final String extension;

    OutputFormat(String id, String label, String extension) {
        this.id = id;
        this.label = label;
        this.extension = extension;
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    /** The script export's extension depends on the notebook's language. */
    public String extension(String scriptExtension) {
        return extension != null ? extension : scriptExtension;
    }

    public static Optional<OutputFormat> byId(String id) {
        return Arrays.stream(values()).filter(f -> f.id.equals(id)).findFirst();
    }

    public static String knownIds() {
        return String.join(", ", Arrays.stream(values()).map(OutputFormat::id).toList());
    }
}
