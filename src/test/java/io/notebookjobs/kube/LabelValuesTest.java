package io.notebookjobs.kube;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LabelValuesTest {

    private static final String LABEL_VALUE = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?";

    @Test
    void aValidLabelValueIsKeptAsItIs() {
        assertThat(LabelValues.of("alice")).isEqualTo("alice");
        assertThat(LabelValues.of("data-team_2.prod")).isEqualTo("data-team_2.prod");
    }

    @Test
    void namesKeepTheirSpacesReadableAs_() {
        assertThat(LabelValues.ofName("nightly report")).isEqualTo("nightly_report");
        assertThat(LabelValues.ofName("Q3.final-2")).isEqualTo("Q3.final-2");
        assertThat(LabelValues.ofName("ends with space ")).matches(LABEL_VALUE).startsWith("sha256-");
        assertThat(LabelValues.ofName("x".repeat(64))).startsWith("sha256-");
    }

    @Test
    void anythingElseBecomesAStableValidHash() {
        for (String text : new String[] {"alice@example.com", "Jürgen Müller", "数据", "-leading", "trailing.",
                "x".repeat(64), ""}) {
            String value = LabelValues.of(text);
            assertThat(value).as(text).matches(LABEL_VALUE).startsWith("sha256-").isEqualTo(LabelValues.of(text));
        }
        // Names that differ only in what a sanitiser would drop stay apart.
        assertThat(LabelValues.of("jürgen")).isNotEqualTo(LabelValues.of("jrgen")).isNotEqualTo(LabelValues.of("jurgen"));
        assertThat(LabelValues.of("a@b.c")).isNotEqualTo(LabelValues.of("a.b.c"));
    }
}
