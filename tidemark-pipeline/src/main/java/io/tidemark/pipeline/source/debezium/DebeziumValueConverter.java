package io.tidemark.pipeline.source.debezium;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Decimal;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;

import io.tidemark.pipeline.source.postgres.PostgresArrayLiteral;
import io.tidemark.pipeline.source.postgres.PostgresValueConverters;

import io.debezium.data.VariableScaleDecimal;

import java.io.Serializable;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts one Debezium (Kafka Connect) column value into the closed value set of {@link
 * io.tidemark.pipeline.event.RowValues}, chosen once per column schema by its logical type name.
 */
@FunctionalInterface
interface DebeziumValueConverter extends Serializable {

    Object convert(Object raw);

    static DebeziumValueConverter forSchema(Schema schema) {
        String logical = schema.name();
        if (logical != null) {
            switch (logical) {
                case "io.debezium.time.Date":
                    return raw -> raw == null ? null : date(((Number) raw).longValue());
                case "io.debezium.time.Timestamp":
                    return raw -> raw == null ? null : timestamp(((Number) raw).longValue() * 1_000L);
                case "io.debezium.time.MicroTimestamp":
                    return raw -> raw == null ? null : timestamp(((Number) raw).longValue());
                case "io.debezium.time.NanoTimestamp":
                    return raw -> raw == null ? null : nanos(((Number) raw).longValue());
                case "io.debezium.time.ZonedTimestamp":
                    return raw -> raw == null || INFINITIES.contains(raw)
                            ? raw
                            : OffsetDateTime.parse((String) raw, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
                case "io.debezium.data.Bits":
                    {
                        // MySQL BIT(n): Debezium's little-endian bytes as the text of n bits, as
                        // PostgreSQL writes a bit string (and a MySQL sink binds it back to bytes)
                        int length = Integer.parseInt(schema.parameters().get("length"));
                        return raw -> raw == null ? null : bitString((byte[]) bytes(raw), length);
                    }
                case PostgresValueConverters.ARRAY:
                    {
                        String elementType = schema.parameters().get(PostgresValueConverters.ELEMENT_TYPE);
                        return raw -> raw == null ? null : PostgresArrayLiteral.parse((String) raw, elementType);
                    }
                case PostgresValueConverters.NUMERIC:
                    return raw -> raw == null ? null : PostgresValueConverters.numericValue((String) raw);
                case "io.debezium.time.Time":
                    return raw -> raw == null ? null : LocalTime.ofNanoOfDay(((Number) raw).longValue() * 1_000_000L);
                case "io.debezium.time.MicroTime":
                    return raw -> raw == null ? null : timeOrDuration(((Number) raw).longValue());
                case "io.debezium.time.NanoTime":
                    return raw -> raw == null ? null : LocalTime.ofNanoOfDay(((Number) raw).longValue());
                case "io.debezium.data.VariableScaleDecimal":
                    return raw -> raw == null
                            ? null
                            : VariableScaleDecimal.toLogical((Struct) raw).getDecimalValue().orElse(null);
                default:
                    if (Decimal.LOGICAL_NAME.equals(logical)) {
                        return raw -> raw == null ? null : (BigDecimal) raw;
                    }
            }
        }
        switch (schema.type()) {
            case BYTES:
                return DebeziumValueConverter::bytes;
            case ARRAY:
                {
                    DebeziumValueConverter element = forSchema(schema.valueSchema());
                    return raw -> {
                        if (raw == null) {
                            return null;
                        }
                        List<?> in = (List<?>) raw;
                        List<Object> out = new ArrayList<>(in.size());
                        for (Object e : in) {
                            out.add(element.convert(e));
                        }
                        return out;
                    };
                }
            case INT8:
                return raw -> raw == null ? null : (short) ((Byte) raw).byteValue();
            case STRUCT:
            case MAP:
                return raw -> raw == null ? null : raw.toString();
            default:
                // BOOLEAN, INT16, INT32, INT64, FLOAT32, FLOAT64, STRING map to themselves
                return raw -> raw;
        }
    }

    private static Object bytes(Object raw) {
        if (raw instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return bytes;
        }
        return raw;
    }

    long MICROS_PER_DAY = 86_400_000_000L;

    /** Little-endian bytes as a string of {@code length} bits, the most significant first. */
    static String bitString(byte[] littleEndian, int length) {
        StringBuilder bits = new StringBuilder(length);
        for (int i = length - 1; i >= 0; i--) {
            int b = i / 8 < littleEndian.length ? littleEndian[i / 8] : 0;
            bits.append((b >> (i % 8) & 1) == 1 ? '1' : '0');
        }
        return bits.toString();
    }

    /** PostgreSQL's infinite dates and timestamps, as PostgreSQL writes and reads them. */
    java.util.Set<String> INFINITIES = java.util.Set.of("infinity", "-infinity");

    /** Debezium's stand-ins for PostgreSQL's infinite date (days) and timestamp (microseconds). */
    long INFINITE_DAYS = io.debezium.connector.postgresql.PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE.toEpochDay();
    long MINUS_INFINITE_DAYS = io.debezium.connector.postgresql.PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE.toEpochDay();
    long INFINITE_MICROS = io.debezium.time.Conversions.toEpochMicros(
            io.debezium.connector.postgresql.PostgresValueConverter.POSITIVE_INFINITY_INSTANT);
    long MINUS_INFINITE_MICROS = io.debezium.time.Conversions.toEpochMicros(
            io.debezium.connector.postgresql.PostgresValueConverter.NEGATIVE_INFINITY_INSTANT);

    /** A date, or PostgreSQL's {@code infinity} / {@code -infinity} for Debezium's stand-ins of them. */
    static Object date(long epochDay) {
        if (epochDay == INFINITE_DAYS) {
            return "infinity";
        }
        if (epochDay == MINUS_INFINITE_DAYS) {
            return "-infinity";
        }
        return LocalDate.ofEpochDay(epochDay);
    }

    /** A timestamp, or PostgreSQL's {@code infinity} / {@code -infinity} for Debezium's stand-ins of them. */
    static Object timestamp(long epochMicros) {
        if (epochMicros == INFINITE_MICROS) {
            return "infinity";
        }
        if (epochMicros == MINUS_INFINITE_MICROS) {
            return "-infinity";
        }
        return micros(epochMicros);
    }

    /**
     * A time of day, or, for a MySQL TIME outside one day (it is a duration there, from -838:59:59
     * to 838:59:59), the value in MySQL's own notation, which MySQL TIME and PostgreSQL interval
     * columns accept.
     */
    static Object timeOrDuration(long micros) {
        if (micros >= 0 && micros < MICROS_PER_DAY) {
            return LocalTime.ofNanoOfDay(micros * 1_000L);
        }
        long abs = Math.abs(micros);
        long seconds = abs / 1_000_000L;
        return String.format("%s%d:%02d:%02d.%06d", micros < 0 ? "-" : "", seconds / 3600, seconds / 60 % 60,
                seconds % 60, abs % 1_000_000L);
    }

    // ofEpochSecond rather than ofInstant: the latter asks ZoneOffset.UTC for its rules, a new object per value
    private static LocalDateTime micros(long epochMicros) {
        return LocalDateTime.ofEpochSecond(
                Math.floorDiv(epochMicros, 1_000_000L),
                (int) (Math.floorMod(epochMicros, 1_000_000L) * 1_000L),
                ZoneOffset.UTC);
    }

    private static LocalDateTime nanos(long epochNanos) {
        return LocalDateTime.ofEpochSecond(
                Math.floorDiv(epochNanos, 1_000_000_000L),
                (int) Math.floorMod(epochNanos, 1_000_000_000L),
                ZoneOffset.UTC);
    }
}
