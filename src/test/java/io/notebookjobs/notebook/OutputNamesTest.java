package io.notebookjobs.notebook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class OutputNamesTest {

    @Test
    void namesFollowTheContract() {
        Instant noon = Instant.parse("2026-11-23T12:37:03Z");
        Instant night = Instant.parse("2026-01-02T00:05:09Z");
        assertThat(OutputNames.outputFile("report.ipynb", noon, OutputFormat.HTML, "py"))
                .isEqualTo("report-2026-11-23-12-37-03-PM.html");
        assertThat(OutputNames.outputFile("report.ipynb", night, OutputFormat.MARKDOWN, "py"))
                .isEqualTo("report-2026-01-02-12-05-09-AM.md");
        assertThat(OutputNames.outputFile("my.analysis.ipynb", night, OutputFormat.SCRIPT, "r"))
                .isEqualTo("my.analysis-2026-01-02-12-05-09-AM.r");
        assertThat(OutputNames.outputFile("x.ipynb", noon, OutputFormat.LATEX, "py")).endsWith(".tex");
    }

    @Test
    void scriptExtensionComesFromTheNotebooksLanguage() {
        assertThat(inspect("{\"language_info\": {\"file_extension\": \".jl\"}, \"kernelspec\": {\"name\": \"julia-1.10\"}}")
                .scriptExtension()).isEqualTo("jl");
        assertThat(inspect("{\"kernelspec\": {\"name\": \"ir\", \"language\": \"R\"}}").scriptExtension()).isEqualTo("r");
        assertThat(inspect("{\"kernelspec\": {\"name\": \"bash\", \"language\": \"bash\"}}").scriptExtension()).isEqualTo("txt");
        assertThat(inspect("{\"kernelspec\": {\"name\": \"python3\"}}").kernelName()).isEqualTo("python3");
    }

    @Test
    void oldFormatsAreRejectedWithAHint() {
        assertThatThrownBy(() -> NotebookInfo.inspect("input",
                "{\"cells\": [], \"nbformat\": 3, \"metadata\": {}}".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("format 3 is too old");
    }

    private static NotebookInfo inspect(String metadata) {
        return NotebookInfo.inspect("input", ("{\"cells\": [], \"nbformat\": 4, \"nbformat_minor\": 5, \"metadata\": "
                + metadata + "}").getBytes(StandardCharsets.UTF_8));
    }
}
