package io.notebookjobs.api;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Splits a sorted result into pages. The {@code next_token} holds the sort order and the id of
 * the last item shown, so the next page starts right after that item even when jobs were added
 * or deleted in between (no item skipped or shown twice because of an offset shift).
 */
public final class Paging {

    public static final int DEFAULT_MAX_ITEMS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Paging() {
    }

    public record Page<T>(List<T> items, int totalCount, String nextToken) {
    }

    /** What a token remembers: the order it was made for, and the last item's position in it. */
    record Token(String sort, List<Object> lastKeys, String lastId) {
    }

    /**
     * @param items every item matching the filters, in any order
     * @param extractors the sortable fields, by name
     */
    public static <T> Page<T> page(List<T> items, SortSpec sort, Map<String, Function<T, Comparable<?>>> extractors,
            Function<T, String> id, Integer maxItems, String nextToken) {
        int limit = maxItems == null ? DEFAULT_MAX_ITEMS : maxItems;
        if (limit < 0) {
            throw ApiException.badRequest("max_items", "must be 0 or more");
        }
        Comparator<T> order = sort.comparator(extractors, id);
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(order);
        int start = 0;
        if (nextToken != null && !nextToken.isBlank()) {
            Token token = decode(nextToken);
            if (!token.sort().equals(sort.toString())) {
                throw ApiException.badRequest("next_token", "was made for another sort_by; start again without it");
            }
            start = firstAfter(sorted, token, sort, extractors, id);
        }
        int end = Math.min(sorted.size(), start + limit);
        List<T> page = sorted.subList(start, end);
        String next = null;
        if (end < sorted.size() && !page.isEmpty()) {
            T last = page.get(page.size() - 1);
            next = encode(new Token(sort.toString(), keysOf(last, sort, extractors), id.apply(last)));
        }
        return new Page<>(List.copyOf(page), sorted.size(), next);
    }

    private static <T> int firstAfter(List<T> sorted, Token token, SortSpec sort,
            Map<String, Function<T, Comparable<?>>> extractors, Function<T, String> id) {
        for (int i = 0; i < sorted.size(); i++) {
            int cmp = compareToToken(sorted.get(i), token, sort, extractors, id);
            if (cmp > 0) {
                return i;
            }
        }
        return sorted.size();
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static <T> int compareToToken(T item, Token token, SortSpec sort,
            Map<String, Function<T, Comparable<?>>> extractors, Function<T, String> id) {
        List<Object> itemKeys = keysOf(item, sort, extractors);
        for (int k = 0; k < sort.keys().size(); k++) {
            Object a = itemKeys.get(k);
            Object b = token.lastKeys().get(k);
            int cmp;
            if (a == null || b == null) {
                cmp = a == null ? (b == null ? 0 : -1) : 1;
            } else {
                cmp = ((Comparable) a).compareTo(b);
            }
            if (!sort.keys().get(k).ascending()) {
                cmp = -cmp;
            }
            if (cmp != 0) {
                return cmp;
            }
        }
        return id.apply(item).compareTo(token.lastId());
    }

    /** Sort key values as they survive a JSON round trip (numbers as Long, the rest as String). */
    private static <T> List<Object> keysOf(T item, SortSpec sort, Map<String, Function<T, Comparable<?>>> extractors) {
        List<Object> keys = new ArrayList<>();
        for (SortSpec.Key key : sort.keys()) {
            Object value = extractors.get(key.field()).apply(item);
            keys.add(value instanceof Number n ? (Object) n.longValue() : value == null ? null : value.toString());
        }
        return keys;
    }

    private static String encode(Token token) {
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(JSON.writeValueAsBytes(token));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Token decode(String text) {
        try {
            Token token = JSON.readValue(Base64.getUrlDecoder().decode(text), Token.class);
            List<Object> keys = new ArrayList<>();
            for (Object o : token.lastKeys()) {
                keys.add(o instanceof Number n ? (Object) n.longValue() : o);
            }
            return new Token(token.sort(), keys, token.lastId());
        } catch (Exception e) {
            throw ApiException.badRequest("next_token", "is not a token this service issued");
        }
    }
}
