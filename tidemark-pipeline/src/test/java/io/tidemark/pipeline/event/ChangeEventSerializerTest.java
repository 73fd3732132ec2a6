package io.tidemark.pipeline.event;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The event encoding round-trips every value type of the closed set, exactly. */
class ChangeEventSerializerTest {

    private static final String[] COLUMNS = {"id", "name", "amount", "raw", "born", "at", "zoned", "t", "tags",
            "flag", "small", "big", "ratio", "score", "nothing", "text"};

    @Test
    void roundTripsEveryValueType() throws Exception {
        Object[] after = {
            42, "Grüße 東京 🚀", new BigDecimal("-1234567890123456789012345678.0123456789"), new byte[] {0, -1, 7},
            LocalDate.of(1, 1, 1), LocalDateTime.of(2024, 2, 29, 23, 59, 59, 123_456_000),
            OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 654_321_000, ZoneOffset.ofHours(2)),
            LocalTime.of(12, 0, 0, 1_000), Arrays.asList("a", null, "ß"), true, (short) -32768, Long.MIN_VALUE,
            1.5f, Double.MAX_VALUE, null, "x".repeat(70_000)
        };
        ChangeEvent event = new ChangeEvent(ChangeOperation.UPDATE, new TableId("public", "orders"), COLUMNS,
                new int[] {0, 1}, null, after, SourcePosition.ofLsn(0x16B3748L), 1_700_000_000_000L);

        ChangeEvent copy = roundTrip(event);

        assertThat(copy).isEqualTo(event);
        assertThat(copy.keyHash()).isEqualTo(event.keyHash());
        assertThat(copy.after()[8]).isEqualTo(Arrays.asList("a", null, "ß"));
    }

    @Test
    void roundTripsDeletesWithOnlyTheKey() throws Exception {
        ChangeEvent delete = new ChangeEvent(ChangeOperation.DELETE, new TableId("s", "t"), new String[] {"a", "b"},
                new int[] {1}, new Object[] {null, 7L}, null, SourcePosition.ofLsn(1), 0);

        ChangeEvent copy = roundTrip(delete);

        assertThat(copy).isEqualTo(delete);
        assertThat(copy.keyValues()).containsExactly(7L);
        assertThat(copy.keyColumns()).containsExactly("b");
    }

    @Test
    void roundTripsSweepsWithOpenAndClosedBounds() throws Exception {
        ChangeEvent middle = ChangeEvent.sweep(new TableId("s", "t"), "id", 1000L, new BigDecimal("2000.5"),
                SourcePosition.ofLsn(0x1E1FA88L));
        ChangeEvent first = ChangeEvent.sweep(new TableId("s", "t"), "id", null, 1000, SourcePosition.ofLsn(9));

        assertThat(roundTrip(middle)).isEqualTo(middle);
        assertThat(roundTrip(middle).sweepTo()).isEqualTo(new BigDecimal("2000.5"));
        assertThat(roundTrip(first).sweepFrom()).isNull();
        assertThat(roundTrip(first).sweepColumn()).isEqualTo("id");
        assertThat(first.keyHash()).isEqualTo(middle.keyHash()); // one table's sweeps go to one sink subtask
    }

    @Test
    void rejectsValuesOutsideTheClosedSet() {
        ChangeEvent event = new ChangeEvent(ChangeOperation.INSERT, new TableId("s", "t"), new String[] {"a"},
                new int[] {0}, null, new Object[] {new Object()}, SourcePosition.ofLsn(1), 0);

        assertThatThrownBy(() -> roundTrip(event))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unsupported row value type java.lang.Object");
    }

    @Test
    void readsAChangeStoredByTheFirstEncodingVersion() throws Exception {
        // written by Tidemark before encodings carried a version: what dead-letter queues and unaligned
        // checkpoints of earlier releases hold (src/test/resources/encodings/change-event-v1.hex)
        byte[] stored = HexFormat.of().parseHex(new String(
                getClass().getResourceAsStream("/encodings/change-event-v1.hex").readAllBytes(),
                StandardCharsets.US_ASCII).strip());

        ChangeEvent event = ChangeEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(stored));

        String[] columns = {"id", "name", "amount", "raw", "born", "at", "zoned", "t", "tags", "flag", "small", "big",
                "ratio", "score", "nothing"};
        Object[] before = {7L, "old", new BigDecimal("1.50"), new byte[] {1, 2}, LocalDate.of(2020, 1, 1),
                LocalDateTime.of(2024, 2, 29, 23, 59, 59, 123_456_000),
                OffsetDateTime.of(2024, 1, 2, 3, 4, 5, 654_321_000, ZoneOffset.ofHours(2)), LocalTime.of(12, 0, 0, 1_000),
                Arrays.asList("a", null, "ß"), true, (short) -3, Long.MIN_VALUE, 1.5f, 2.25d, null};
        Object[] after = before.clone();
        after[1] = "Grüße 東京";
        after[2] = new BigDecimal("-1234567890.0123456789");
        assertThat(event).isEqualTo(new ChangeEvent(ChangeOperation.UPDATE, new TableId("public", "orders"), columns,
                new int[] {0}, before, after, SourcePosition.ofLsn(0x16B3748L), 1_700_000_000_000L));
        // and it is written again in the current encoding, which reads back the same
        assertThat(roundTrip(event)).isEqualTo(event);
        DataOutputSerializer out = new DataOutputSerializer(128);
        ChangeEventSerializer.INSTANCE.serialize(event, out);
        assertThat(out.getCopyOfBuffer()[0] & 0xFF)
                .isEqualTo(ChangeEventSerializer.VERSION_MARK | ChangeEventSerializer.CURRENT_VERSION);
    }

    @Test
    void refusesAnEncodingVersionItDoesNotKnow() throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(128);
        ChangeEventSerializer.INSTANCE.serialize(new ChangeEvent(ChangeOperation.INSERT, new TableId("s", "t"),
                new String[] {"a"}, new int[] {0}, null, new Object[] {1}, SourcePosition.ofLsn(1), 0), out);
        byte[] bytes = out.getCopyOfBuffer();
        bytes[0] = (byte) (ChangeEventSerializer.VERSION_MARK | (ChangeEventSerializer.CURRENT_VERSION + 1));

        assertThatThrownBy(() -> ChangeEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes)))
                .isInstanceOf(java.io.IOException.class)
                .hasMessageStartingWith("a change event was encoded by a newer Tidemark (encoding version "
                        + (ChangeEventSerializer.CURRENT_VERSION + 1) + ";");
    }

    @Test
    void keyStringIsCanonical() {
        assertThat(RowValues.keyString(new Object[] {new BigDecimal("1.50"), "a"}))
                .isEqualTo(RowValues.keyString(new Object[] {new BigDecimal("1.5"), "a"}));
        assertThat(RowValues.keyString(new Object[] {new byte[] {1, 2}}))
                .isEqualTo(RowValues.keyString(new Object[] {new byte[] {1, 2}}))
                .isNotEqualTo(RowValues.keyString(new Object[] {new byte[] {1, 3}}));
        assertThat(RowValues.keyString(new Object[] {1, 23})).isNotEqualTo(RowValues.keyString(new Object[] {12, 3}));
    }

    @Test
    void lsnPrintsLikePostgres() {
        assertThat(SourcePosition.ofLsn(0x16B3748L).toLsnString()).isEqualTo("0/16B3748");
        assertThat(SourcePosition.ofLsn(0x1_0000_00FFL).toLsnString()).isEqualTo("1/FF");
    }

    private static ChangeEvent roundTrip(ChangeEvent event) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(128);
        ChangeEventSerializer.INSTANCE.serialize(event, out);
        return ChangeEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
