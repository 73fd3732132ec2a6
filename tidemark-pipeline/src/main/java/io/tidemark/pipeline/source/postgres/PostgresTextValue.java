package io.tidemark.pipeline.source.postgres;

import io.debezium.connector.postgresql.connection.AbstractColumnValue;
import io.debezium.data.SpecialValueDecimal;
import io.debezium.util.Strings;

import java.math.BigDecimal;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;

/**
 * One column value in PostgreSQL's text form, decoded the way Debezium decodes a pgoutput value,
 * so that a snapshot row read over JDBC and the same row streamed through the replication slot
 * arrive as the same value. Unlike Debezium 1.9's pgoutput decoder it also reads a numeric
 * {@code Infinity} and {@code -Infinity} (PostgreSQL 14+); the stream decodes with it too (see
 * Tidemark's {@code io.debezium.connector.postgresql.connection.pgoutput.PgOutputColumnValue}).
 */
public class PostgresTextValue extends AbstractColumnValue<String> {

    private final String text;

    public PostgresTextValue(String text) {
        this.text = text;
    }

    @Override
    public String getRawValue() {
        return text;
    }

    @Override
    public boolean isNull() {
        return text == null;
    }

    @Override
    public String asString() {
        return text;
    }

    @Override
    public Boolean asBoolean() {
        return "t".equalsIgnoreCase(text);
    }

    @Override
    public Integer asInteger() {
        return Integer.valueOf(text);
    }

    @Override
    public Long asLong() {
        return Long.valueOf(text);
    }

    @Override
    public Float asFloat() {
        return Float.valueOf(text);
    }

    @Override
    public Double asDouble() {
        return Double.valueOf(text);
    }

    @Override
    public SpecialValueDecimal asDecimal() {
        return decimal(text);
    }

    /** A numeric's text as Debezium's decimal wrapper, its special values included. */
    public static SpecialValueDecimal decimal(String text) {
        switch (text) {
            case "NaN":
                return SpecialValueDecimal.NOT_A_NUMBER;
            case "Infinity":
                return SpecialValueDecimal.POSITIVE_INF;
            case "-Infinity":
                return SpecialValueDecimal.NEGATIVE_INF;
            default:
                return new SpecialValueDecimal(new BigDecimal(text));
        }
    }

    /**
     * A {@code timetz} with the offset it was written with; Debezium's moves it to UTC, which is
     * the same instant but not the same value ({@code 04:05+02} and {@code 02:05+00} differ).
     */
    @Override
    public OffsetTime asOffsetTimeUtc() {
        return OffsetTime.parse(text, TIME_WITH_OFFSET);
    }

    private static final DateTimeFormatter TIME_WITH_OFFSET = new DateTimeFormatterBuilder()
            .appendPattern("HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendOffset("+HH:mm:ss", "+00")
            .toFormatter();

    @Override
    public byte[] asByteArray() {
        return Strings.hexStringToByteArray(text.substring(2));
    }
}
