package io.notebookjobs.model;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity ({@code 500m}, {@code 2}, {@code 4Gi}, {@code 1e3}), parsed with
 * the API server's grammar so that what the service accepts the API server accepts too.
 */
public record Quantity(String text, BigDecimal value) implements Comparable<Quantity> {

    // <number><suffix>, where suffix is a binary SI, decimal SI or decimal exponent suffix.
    private static final Pattern GRAMMAR = Pattern.compile(
            "^([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$");

    private static final Map<String, BigDecimal> MULTIPLIERS = Map.ofEntries(
            Map.entry("Ki", BigDecimal.valueOf(1L << 10)),
            Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
            Map.entry("Gi", BigDecimal.valueOf(1L << 30)),
            Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
            Map.entry("Pi", BigDecimal.valueOf(1L << 50)),
            Map.entry("Ei", BigDecimal.valueOf(1L << 60)),
            Map.entry("n", new BigDecimal("1e-9")),
            Map.entry("u", new BigDecimal("1e-6")),
            Map.entry("m", new BigDecimal("1e-3")),
            Map.entry("k", new BigDecimal("1e3")),
            Map.entry("M", new BigDecimal("1e6")),
            Map.entry("G", new BigDecimal("1e9")),
            Map.entry("T", new BigDecimal("1e12")),
            Map.entry("P", new BigDecimal("1e15")),
            Map.entry("E", new BigDecimal("1e18")));

    /**
     * Longest text taken as a quantity, and the largest decimal exponent: far beyond any real
     * resource (Kubernetes' own suffixes end at 10^18), small enough that no value or message
     * built from it can grow without bound ("1e-2000000000" would be two billion digits).
     */
    static final int MAX_LENGTH = 64;
    static final int MAX_EXPONENT = 30;

    /** Empty when the text is not a quantity at all, or one of absurd size. */
    public static Optional<Quantity> parse(String text) {
        String trimmed = text.trim();
        if (trimmed.length() > MAX_LENGTH) {
            return Optional.empty();
        }
        Matcher m = GRAMMAR.matcher(trimmed);
        if (!m.matches()) {
            return Optional.empty();
        }
        BigDecimal number = new BigDecimal(m.group(1));
        String suffix = m.group(2);
        BigDecimal value;
        if (suffix == null) {
            value = number;
        } else if (suffix.length() > 1 && (suffix.charAt(0) == 'e' || suffix.charAt(0) == 'E') && suffix.charAt(1) != 'i') {
            String digits = suffix.substring(1).replaceFirst("^[+-]", "").replaceFirst("^0+(?=.)", "");
            // More than a few digits is far beyond MAX_EXPONENT (and may not fit a long).
            int exponent = digits.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(suffix.substring(1));
            if (Math.abs(exponent) > MAX_EXPONENT) {
                return Optional.empty();
            }
            value = number.scaleByPowerOfTen(exponent);
        } else {
            value = number.multiply(MULTIPLIERS.get(suffix));
        }
        return Optional.of(new Quantity(trimmed, value));
    }

    public boolean isPositive() {
        return value.signum() > 0;
    }

    public boolean isWholeNumber() {
        return value.stripTrailingZeros().scale() <= 0;
    }

    @Override
    public int compareTo(Quantity other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return text;
    }
}
