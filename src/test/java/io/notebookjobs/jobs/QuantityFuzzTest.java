package io.notebookjobs.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.notebookjobs.api.ApiException;
import io.notebookjobs.model.Quantity;
import io.notebookjobs.testing.TestConfig;

/**
 * Quantity strings of every shape (signs, digits, dots, exponents up to absurd sizes, suffixes,
 * lengths) through the request rules: each is accepted or refused with a 400 whose message stays
 * short. Nothing else may escape: no NumberFormatException, no OutOfMemoryError (one request with
 * "1e-2000000000" once exhausted the heap formatting its error message).
 */
class QuantityFuzzTest {

    private static final String[] PARTS = { "", "+", "-", "0", "1", "2", "9", "00", ".", "5", "e", "E", "e-", "e+",
            "2000000000", "99999999999", "9223372036854775808", "m", "k", "Mi", "Gi", "Ei", "n", "u", "i", "x", " ",
            "1e-2000000000", "1e99999999999", "0.000000001", "123456789012345678901234567890" };

    private final ResourcePolicy policy = ResourcePolicy.from(TestConfig.load(Map.of()));

    @Test
    void noQuantityStringEscapesTheRules() {
        Random random = new Random(20261202);
        List<String> inputs = new ArrayList<>(List.of("1e-2000000000", "1e99999999999", "1E2147483648", "1e30", "1e31",
                "1e-30", "1e-31", "9".repeat(64), "9".repeat(65), "1" + "0".repeat(63) + "Ei"));
        for (int i = 0; i < 50_000; i++) {
            StringBuilder s = new StringBuilder();
            int parts = 1 + random.nextInt(6);
            for (int p = 0; p < parts; p++) {
                s.append(PARTS[random.nextInt(PARTS.length)]);
            }
            inputs.add(s.toString());
        }
        int accepted = 0;
        for (String text : inputs) {
            for (String key : List.of("cpu", "memory", "gpu", "k8s_gpu")) {
                try {
                    RuntimeParameters.read(Map.of(key, text), null, null, policy);
                    accepted++;
                } catch (ApiException e) {
                    assertThat(e.status()).as(text).isEqualTo(400);
                    assertThat(e.getMessage()).as(text).startsWith("runtime_environment_parameters.").hasSizeLessThan(400);
                }
            }
            Quantity.parse(text).ifPresent(q -> assertThat(q.value().precision()).as(text).isLessThan(200));
        }
        assertThat(accepted).as("some inputs are valid quantities").isPositive();
    }
}
