package io.tidemark.pipeline.source.debezium;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A field read by position stays right when structs of schemas with other field orders come in between. */
class StructFieldTest {

    private static final Schema ORDERS = SchemaBuilder.struct()
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA).build();
    private static final Schema REORDERED = SchemaBuilder.struct()
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA).build();

    @Test
    void readsTheNamedFieldOfEachStructsOwnSchema() {
        StructField table = new StructField("table");
        Struct first = new Struct(ORDERS).put("schema", "public").put("table", "orders");
        Struct second = new Struct(REORDERED).put("schema", "sales").put("table", "items").put("ts_ms", 5L);

        assertThat(table.getString(first)).isEqualTo("orders");
        assertThat(table.getString(second)).isEqualTo("items");
        assertThat(table.getString(first)).isEqualTo("orders");
        assertThat(new StructField("ts_ms").getInt64(second)).isEqualTo(5L);
        assertThat(new StructField("ts_ms").getInt64(new Struct(REORDERED).put("schema", "s").put("table", "t"))).isNull();
    }

    @Test
    void aFieldTheSchemaLacksIsAnError() {
        StructField missing = new StructField("op");

        assertThatThrownBy(() -> missing.get(new Struct(ORDERS).put("schema", "public").put("table", "orders")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("op is not a field");
    }
}
