package io.tidemark.pipeline.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;

/**
 * The text and JSON forms of a {@link RowValues} value, for sinks that store values as text: Redis
 * hash fields and JSON documents, and array columns of a MariaDB/MySQL sink (which has no arrays).
 * Arrays become JSON arrays, nested for more than one dimension.
 */
public final class ValueText {

    private static final JsonFactory JSON = new JsonFactory();

    private ValueText() {}

    /** A value as text: ISO-8601 times, base64 bytes, plain decimals, arrays as JSON. */
    public static String text(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof byte[] bytes) {
            return Base64.getEncoder().encodeToString(bytes);
        }
        if (value instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (value instanceof LocalDate d) {
            return DateTimeFormatter.ISO_LOCAL_DATE.format(d);
        }
        if (value instanceof LocalTime t) {
            return DateTimeFormatter.ISO_LOCAL_TIME.format(t);
        }
        if (value instanceof LocalDateTime t) {
            return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(t);
        }
        if (value instanceof OffsetDateTime t) {
            return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t);
        }
        if (value instanceof List<?> list) {
            StringWriter out = new StringWriter();
            try (JsonGenerator gen = JSON.createGenerator(out)) {
                writeJson(gen, list);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        }
        return value.toString(); // Boolean, Short, Integer, Long, Float, Double
    }

    /** Writes a value as JSON: numbers and booleans as such (NaN and infinities as strings), lists as arrays. */
    public static void writeJson(JsonGenerator gen, Object value) throws IOException {
        if (value == null) {
            gen.writeNull();
        } else if (value instanceof Boolean b) {
            gen.writeBoolean(b);
        } else if (value instanceof Short || value instanceof Integer || value instanceof Long) {
            gen.writeNumber(((Number) value).longValue());
        } else if (value instanceof BigDecimal d) {
            gen.writeNumber(d);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isFinite(d)) {
                gen.writeNumber(value.toString()); // a float's own shortest text, not its double widening
            } else {
                gen.writeString(value.toString()); // JSON has no NaN or Infinity
            }
        } else if (value instanceof List<?> list) {
            gen.writeStartArray();
            for (Object element : list) {
                writeJson(gen, element);
            }
            gen.writeEndArray();
        } else {
            gen.writeString(text(value));
        }
    }
}
