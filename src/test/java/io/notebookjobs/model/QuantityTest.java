package io.notebookjobs.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {

    @ParameterizedTest
    @CsvSource({ "2, 2", "500m, 0.5", "0.5, 0.5", "1.5Gi, 1610612736", "4Gi, 4294967296", "512Mi, 536870912",
            "1k, 1000", "1e3, 1000", "2E2, 200", "100M, 100000000", "1Ki, 1024", " 3 , 3", ".5, 0.5", "+1, 1",
            "250u, 0.00025", "5n, 0.000000005", "1Ei, 1152921504606846976", "-1, -1" })
    void parsesTheApiServersGrammar(String text, String value) {
        assertThat(Quantity.parse(text)).get().extracting(Quantity::value)
                .satisfies(v -> assertThat(v.compareTo(new BigDecimal(value))).isZero());
    }

    @ParameterizedTest
    @ValueSource(strings = { "2x", "", "Gi", "4 GB", "4GB", "1.2.3", "1e", "one", "0x10", "1ki", "1mi", "--1" })
    void rejectsWhatTheApiServerRejects(String text) {
        assertThat(Quantity.parse(text)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({ "1, true", "2.0, true", "0.5, false", "1500m, false", "2000m, true", "1e1, true" })
    void knowsWholeNumbers(String text, boolean whole) {
        assertThat(Quantity.parse(text).orElseThrow().isWholeNumber()).isEqualTo(whole);
    }
}
