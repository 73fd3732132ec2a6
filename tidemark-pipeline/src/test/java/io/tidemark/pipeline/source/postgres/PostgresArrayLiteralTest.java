package io.tidemark.pipeline.source.postgres;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PostgresArrayLiteralTest {

    @Test
    void readsEveryDimensionWithTypedElements() {
        assertThat(PostgresArrayLiteral.parse("{{1,2},{3,NULL}}", "int4"))
                .isEqualTo(List.of(List.of(1, 2), Arrays.asList(3, null)));
        assertThat(PostgresArrayLiteral.parse("{{{1}},{{2}}}", "int8"))
                .isEqualTo(List.of(List.of(List.of(1L)), List.of(List.of(2L))));
        assertThat(PostgresArrayLiteral.parse("{}", "text")).isEmpty();
        assertThat(PostgresArrayLiteral.parse("{NaN,1.50,-Infinity}", "numeric"))
                .isEqualTo(List.of("NaN", new BigDecimal("1.50"), "-Infinity"));
        assertThat(PostgresArrayLiteral.parse("{t,f}", "bool")).isEqualTo(List.of(true, false));
        assertThat((byte[]) PostgresArrayLiteral.parse("{\"\\\\x00ff\"}", "bytea").get(0))
                .containsExactly(0x00, 0xff);
    }

    @Test
    void readsQuotedElementsAsWritten() {
        assertThat(PostgresArrayLiteral.parse("{\"}\",\",\",\"\\\\\",\"NULL\",\"a \\\"b\\\"\",NULL}", "text"))
                .isEqualTo(Arrays.asList("}", ",", "\\", "NULL", "a \"b\"", null));
        assertThat(PostgresArrayLiteral.parse("{\"2024-01-01 00:00:00+00\",infinity}", "timestamptz"))
                .isEqualTo(List.of("2024-01-01 00:00:00+00", "infinity"));
    }

    @Test
    void skipsExplicitBoundsAndRefusesMalformedText() {
        assertThat(PostgresArrayLiteral.parse("[0:1]={7,8}", "int4")).isEqualTo(List.of(7, 8));
        assertThatThrownBy(() -> PostgresArrayLiteral.parse("{1,2}x", "int4"))
                .hasMessage("cannot read PostgreSQL int4 array: text after the array's closing brace");
        assertThatThrownBy(() -> PostgresArrayLiteral.parse("{1,2", "int4"))
                .hasMessageStartingWith("cannot read PostgreSQL int4 array");
    }
}
