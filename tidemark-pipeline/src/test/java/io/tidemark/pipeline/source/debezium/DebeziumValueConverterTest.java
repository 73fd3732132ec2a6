package io.tidemark.pipeline.source.debezium;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.SchemaBuilder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Debezium's timestamps as epoch numbers become the UTC wall-clock time they stand for, before 1970 included. */
class DebeziumValueConverterTest {

    private static final DebeziumValueConverter MICROS =
            DebeziumValueConverter.forSchema(schema("io.debezium.time.MicroTimestamp"));
    private static final DebeziumValueConverter NANOS =
            DebeziumValueConverter.forSchema(schema("io.debezium.time.NanoTimestamp"));
    private static final DebeziumValueConverter MILLIS =
            DebeziumValueConverter.forSchema(schema("io.debezium.time.Timestamp"));

    @ParameterizedTest
    @ValueSource(longs = {0L, 1L, -1L, 1_700_000_000_123_456L, -1_700_000_000_123_456L, 999_999L, -1_000_000L,
            253_402_300_799_999_999L, -62_135_596_800_000_000L})
    void microsecondsSinceTheEpoch(long micros) {
        assertThat(MICROS.convert(micros)).isEqualTo(LocalDateTime.ofInstant(
                Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L),
                ZoneOffset.UTC));
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, 1L, -1L, 1_700_000_000_123_456_789L, -1_700_000_000_123_456_789L, Long.MAX_VALUE,
            Long.MIN_VALUE})
    void nanosecondsSinceTheEpoch(long nanos) {
        assertThat(NANOS.convert(nanos)).isEqualTo(LocalDateTime.ofInstant(
                Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L)),
                ZoneOffset.UTC));
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, -1L, 1_700_000_000_123L})
    void millisecondsSinceTheEpoch(long millis) {
        assertThat(MILLIS.convert(millis)).isEqualTo(LocalDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneOffset.UTC));
    }

    @ParameterizedTest
    @ValueSource(strings = {"io.debezium.time.MicroTimestamp", "io.debezium.time.NanoTimestamp"})
    void nullStaysNull(String logical) {
        assertThat(DebeziumValueConverter.forSchema(schema(logical)).convert(null)).isNull();
    }

    private static Schema schema(String logical) {
        return SchemaBuilder.int64().name(logical).optional().build();
    }
}
