package io.tidemark.pipeline.event;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The written form of table names in {@code pipeline.yaml}: bare and double-quoted parts. */
class TableIdTest {

    @Test
    void bareNamesKeepTheirMeaningAndTheirWrittenForm() {
        assertThat(TableId.parse("public.orders")).isEqualTo(new TableId("public", "orders"));
        assertThat(TableId.parse("Shop.Orders_2$")).isEqualTo(new TableId("Shop", "Orders_2$"));
        assertThat(TableId.parse("orders")).isEqualTo(new TableId("public", "orders"));
        assertThat(new TableId("public", "orders")).hasToString("public.orders");
        assertThat(new TableId("Shop", "Orders_2$")).hasToString("Shop.Orders_2$");
    }

    @Test
    void quotedPartsTakeAnyCharacterWithDoubledQuotes() {
        assertThat(TableId.parse("\"Sales\".\"Order Items\"")).isEqualTo(new TableId("Sales", "Order Items"));
        assertThat(TableId.parse("\"a.b\".\"say \"\"hi\"\"\"")).isEqualTo(new TableId("a.b", "say \"hi\""));
        assertThat(TableId.parse("\"public\".\"orders\"")).isEqualTo(new TableId("public", "orders"));
        assertThat(TableId.parse("sales.\"Total $ (net)\"")).isEqualTo(new TableId("sales", "Total $ (net)"));
        assertThat(new TableId("Sales", "Order Items")).hasToString("Sales.\"Order Items\"");
        assertThat(new TableId("a.b", "say \"hi\"")).hasToString("\"a.b\".\"say \"\"hi\"\"\"");
        assertThat(new TableId("1st", "_x")).hasToString("\"1st\"._x");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "'\"Sales.orders'              | has a double quote at position 1 that is never closed; close it, and write a quote inside a name as \"\"",
        "'\"Sales\"x.orders'           | has 'x' right after the quoted name at position 8; names are joined by a dot, and a double quote inside a quoted name is written \"\"",
        "'sales..orders'               | has an empty name at position 7; write schema.table, with no leading, trailing or double dot",
        "'.orders'                     | has an empty name at position 1; write schema.table, with no leading, trailing or double dot",
        "'sales.'                      | ends with a dot; write schema.table",
        "'\"\".orders'                 | has an empty quoted name \"\"; write the schema's or table's name between the quotes",
        "'a.b.c'                       | has 3 dot-separated names where schema.table has 2; put a name that contains a dot in double quotes, as in \"Sales\".\"Q1.Orders\"",
        "'Sales.Order Items'           | has the name Order Items that needs double quotes: write it as \"Order Items\" (bare names are letters, digits, _ and $, not starting with a digit)",
        "'orders'                      | has no schema; write schema.table, as in public.orders",
    })
    void malformedNamesSayWhatWouldFixThem(String written, String message) {
        assertThatThrownBy(() -> TableId.parseQualified(written))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Property(tries = 2000)
    void theWrittenFormReadsBackAsTheSameName(@ForAll("names") String schema, @ForAll("names") String table) {
        TableId id = new TableId(schema, table);
        assertThat(TableId.parseQualified(id.toString())).isEqualTo(id);
        assertThat(TableId.parse(id.toString())).isEqualTo(id);
    }

    @Provide
    Arbitrary<String> names() {
        Arbitrary<String> anything = Arbitraries.strings().all().ofMinLength(1).ofMaxLength(12);
        Arbitrary<String> tricky = Arbitraries.strings().withChars("\"._ $aZ9,*[]\\").ofMinLength(1).ofMaxLength(8);
        Arbitrary<String> bare = Arbitraries.strings().withCharRange('a', 'z').withChars('_', 'Q').ofMinLength(1).ofMaxLength(10);
        return Arbitraries.oneOf(anything, tricky, bare);
    }
}
