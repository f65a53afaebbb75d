package io.notebookjobs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

class PagingTest {

    record Item(String id, String name, Long time) {
    }

    static final Map<String, Function<Item, Comparable<?>>> KEYS = Map.of("name", Item::name, "time", Item::time);
    static final Set<String> FIELDS = Set.of("name", "time");

    static SortSpec sort(String... values) {
        return SortSpec.parse(List.of(values), FIELDS, new SortSpec.Key("time", false));
    }

    @Test
    void walksAllPagesOnceInOrderEvenWithTiesAndMissingValues() {
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            items.add(new Item("id-" + i, "n" + (i % 4), i % 5 == 0 ? null : (long) (i % 3)));
        }
        SortSpec spec = sort("asc(time)", "desc(name)");
        List<Item> expected = new ArrayList<>(items);
        expected.sort(spec.comparator(KEYS, Item::id));

        List<Item> walked = new ArrayList<>();
        String token = null;
        do {
            Paging.Page<Item> page = Paging.page(items, spec, KEYS, Item::id, 5, token);
            assertThat(page.totalCount()).isEqualTo(23);
            walked.addAll(page.items());
            token = page.nextToken();
        } while (token != null);
        assertThat(walked).isEqualTo(expected);
        assertThat(walked.get(0).time()).isNull();
    }

    @Test
    void theLastPageHasNoToken() {
        List<Item> items = List.of(new Item("a", "x", 1L), new Item("b", "y", 2L));
        assertThat(Paging.page(items, sort(), KEYS, Item::id, 2, null).nextToken()).isNull();
        assertThat(Paging.page(items, sort(), KEYS, Item::id, null, null).items()).hasSize(2);
    }

    @Test
    void aTokenOnlyWorksForTheOrderItWasMadeFor() {
        List<Item> items = List.of(new Item("a", "x", 1L), new Item("b", "y", 2L));
        String token = Paging.page(items, sort("name"), KEYS, Item::id, 1, null).nextToken();
        assertThatThrownBy(() -> Paging.page(items, sort("time"), KEYS, Item::id, 1, token))
                .hasMessageStartingWith("next_token: was made for another sort_by");
    }

    @Test
    void parsesSortBy() {
        assertThat(sort("desc(name)", "time", "ASC( time )").keys()).containsExactly(new SortSpec.Key("name", false),
                new SortSpec.Key("time", true), new SortSpec.Key("time", true));
        assertThat(sort().keys()).containsExactly(new SortSpec.Key("time", false));
        assertThat(sort("").keys()).containsExactly(new SortSpec.Key("time", false));
    }
}
