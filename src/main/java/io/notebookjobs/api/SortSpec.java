package io.notebookjobs.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The contract's {@code sort_by}: repeatable, each {@code desc(field)}, {@code asc(field)} or a
 * bare field name (ascending).
 */
public record SortSpec(List<Key> keys) {

    public record Key(String field, boolean ascending) {
        @Override
        public String toString() {
            return (ascending ? "asc(" : "desc(") + field + ")";
        }
    }

    private static final Pattern FORM = Pattern.compile("^\\s*(?:(asc|desc)\\(\\s*([a-z_]+)\\s*\\)|([a-z_]+))\\s*$",
            Pattern.CASE_INSENSITIVE);

    public static SortSpec parse(List<String> values, Set<String> allowed, Key fallback) {
        List<Key> keys = new ArrayList<>();
        for (String value : values == null ? List.<String>of() : values) {
            if (value == null || value.isBlank()) {
                continue;
            }
            Matcher m = FORM.matcher(value);
            if (!m.matches()) {
                throw ApiException.badRequest("sort_by", "'" + value + "' is not desc(field), asc(field) or field");
            }
            String field = (m.group(2) != null ? m.group(2) : m.group(3)).toLowerCase(java.util.Locale.ROOT);
            if (!allowed.contains(field)) {
                throw ApiException.badRequest("sort_by", "cannot sort by '" + field + "' (allowed: "
                        + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
            keys.add(new Key(field, m.group(1) == null || m.group(1).equalsIgnoreCase("asc")));
        }
        return new SortSpec(keys.isEmpty() ? List.of(fallback) : keys);
    }

    /**
     * Orders items by the keys; missing values come first in ascending order. The id is the last
     * key, so the order is total and a page token can say exactly where a page ended.
     */
    public <T> Comparator<T> comparator(Map<String, Function<T, Comparable<?>>> extractors, Function<T, String> id) {
        Comparator<T> order = null;
        for (Key key : keys) {
            Function<T, Comparable<?>> extractor = extractors.get(key.field());
            Comparator<T> byKey = Comparator.comparing(t -> (Comparable<Object>) cast(extractor.apply(t)),
                    Comparator.nullsFirst(Comparator.naturalOrder()));
            if (!key.ascending()) {
                byKey = byKey.reversed();
            }
            order = order == null ? byKey : order.thenComparing(byKey);
        }
        Comparator<T> byId = Comparator.comparing(id);
        return order == null ? byId : order.thenComparing(byId);
    }

    @SuppressWarnings("unchecked")
    private static Comparable<Object> cast(Comparable<?> value) {
        return (Comparable<Object>) value;
    }

    @Override
    public String toString() {
        return String.join(",", keys.stream().map(Key::toString).toList());
    }
}
