package io.tidemark.pipeline.source.postgres;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.SchemaBuilder;

import io.debezium.data.SpecialValueDecimal;
import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;

import java.math.BigDecimal;
import java.time.OffsetTime;
import java.time.format.DateTimeFormatter;
import java.util.Properties;

/**
 * Debezium converters for the PostgreSQL values its own converters cannot carry exactly: numerics
 * (with {@code decimal.handling.mode=precise} a NaN or ±Infinity fails the record, and with
 * {@code string} every numeric becomes indistinguishable from text) travel as their exact text
 * under the logical name {@link #NUMERIC}; bit strings travel as their text of 0s and 1s instead
 * of Debezium's little-endian bytes (or a boolean for {@code bit(1)}); an hstore travels as its
 * PostgreSQL text instead of Debezium's JSON, which an hstore column does not read back; a
 * {@code timetz} keeps the offset it was written with instead of moving to UTC; an array of any
 * dimension travels as its PostgreSQL text (Debezium's converter knows one dimension).
 */
public final class PostgresValueConverters implements CustomConverter<SchemaBuilder, RelationalColumn> {

    /** The logical name of a numeric carried as text: a plain decimal, {@code NaN}, {@code Infinity} or {@code -Infinity}. */
    public static final String NUMERIC = "io.tidemark.postgres.Numeric";

    /** The logical name of a bit string carried as its text. */
    public static final String BITS = "io.tidemark.postgres.Bits";

    /** The logical name of a {@code timetz} carried as ISO text with the offset it was written with. */
    public static final String TIME_WITH_OFFSET = "io.tidemark.postgres.TimeWithOffset";

    /** The logical name of an array carried as its PostgreSQL text, its element type in {@link #ELEMENT_TYPE}. */
    public static final String ARRAY = "io.tidemark.postgres.Array";

    /** The schema parameter of an {@link #ARRAY} naming the element type ({@code int4}, {@code text}, …). */
    public static final String ELEMENT_TYPE = "elementType";

    /** The logical name of an hstore carried as its PostgreSQL text ({@code "k"=>"v"}). */
    public static final String HSTORE = "io.tidemark.postgres.Hstore";

    /** A numeric's text as a change-event value: a decimal, or {@code NaN}, {@code Infinity}, {@code -Infinity} as text. */
    public static Object numericValue(String text) {
        return isSpecialNumber(text) ? text : new BigDecimal(text);
    }

    /** Whether a numeric's text is one of PostgreSQL's special values, which no decimal can hold. */
    static boolean isSpecialNumber(String text) {
        return text.equals("NaN") || text.equals("Infinity") || text.equals("-Infinity");
    }

    /** The Debezium properties that install these converters. */
    public static void install(Properties debezium) {
        debezium.setProperty("converters", "tidemark");
        debezium.setProperty("tidemark.type", PostgresValueConverters.class.getName());
    }

    @Override
    public void configure(Properties properties) {}

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if (column.jdbcType() == java.sql.Types.NUMERIC || column.jdbcType() == java.sql.Types.DECIMAL) {
            // numeric, decimal and any domain over them (whose type name is the domain's)
            registration.register(SchemaBuilder.string().name(NUMERIC).optional(), PostgresValueConverters::numeric);
            return;
        }
        switch (column.typeName()) {
            case "bit":
            case "varbit":
            case "bit varying":
                registration.register(SchemaBuilder.string().name(BITS).optional(), PostgresValueConverters::bits);
                break;
            case "timetz":
            case "time with time zone":
                registration.register(SchemaBuilder.string().name(TIME_WITH_OFFSET).optional(),
                        raw -> raw == null ? null : ((OffsetTime) raw).format(DateTimeFormatter.ISO_OFFSET_TIME));
                break;
            case "hstore":
                registration.register(SchemaBuilder.string().name(HSTORE).optional(), raw -> raw == null ? null : raw.toString());
                break;
            default:
                if (column.typeName().startsWith("_")) {
                    // an array: its PostgreSQL text, read into nested lists by PostgresArrayLiteral
                    registration.register(SchemaBuilder.string().name(ARRAY)
                                    .parameter(ELEMENT_TYPE, column.typeName().substring(1)).optional(),
                            raw -> raw == null ? null : raw.toString());
                }
                // otherwise Debezium's own converter
        }
    }

    private static Object numeric(Object raw) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof SpecialValueDecimal special) {
            return special.getDecimalValue().map(BigDecimal::toString).orElseGet(() -> specialText(special));
        }
        if (raw instanceof BigDecimal decimal) {
            return decimal.toString();
        }
        if (raw instanceof Double d) {
            return d.isNaN() ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
        }
        return raw.toString();
    }

    private static String specialText(SpecialValueDecimal special) {
        double value = special.toDouble();
        return Double.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
    }

    private static Object bits(Object raw) {
        if (raw == null) {
            return null;
        }
        if (raw instanceof Boolean b) {
            return b ? "1" : "0";
        }
        return raw.toString();
    }
}
