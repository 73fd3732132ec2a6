package io.tidemark.reconcile.redis;

import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.event.ValueText;
import io.tidemark.pipeline.sink.redis.RedisRowEncoder;
import io.tidemark.reconcile.sql.ColumnKind;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The Redis sink's documented value mapping ({@code docs/redis-sink.md}), applied to a source value
 * read as canonical text: the value the pipeline carries is rebuilt from the text and written as the
 * sink writes it ({@link ValueText}, {@link RedisRowEncoder#dataKey}), so that a key and its fields
 * are compared with what the sink must hold, not with a second copy of its rules.
 */
public final class RedisTexts {

    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS");

    private RedisTexts() {}

    /** The hash field text of a source value; null stays null (the field is absent). */
    public static String fieldText(ColumnKind kind, String canonical) {
        return canonical == null ? null : ValueText.text(value(kind, canonical));
    }

    /** The data key of a source row whose key columns have {@code kinds} and canonical texts {@code key}. */
    public static String dataKey(String prefix, TableId sinkTable, List<ColumnKind> kinds, List<String> key) {
        Object[] values = new Object[key.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = value(kinds.get(i), key.get(i));
        }
        return RedisRowEncoder.dataKey(prefix, sinkTable, values);
    }

    /** A data key's key values, unescaped, as text (for asking the source about a key only Redis has). */
    public static Object[] keyParts(String prefix, TableId sinkTable, String dataKey) {
        String rest = dataKey.substring((prefix + ":" + sinkTable + ":").length());
        List<Object> parts = new ArrayList<>();
        for (String part : rest.split(":", -1)) {
            parts.add(part.replace("%3A", ":").replace("%7B", "{").replace("%7D", "}").replace("%25", "%"));
        }
        return parts.toArray();
    }

    /** The pipeline's value of a canonical text: the type {@link ValueText} writes from. */
    static Object value(ColumnKind kind, String text) {
        try {
            return switch (kind) {
                case DECIMAL -> isNumber(text) ? new BigDecimal(text) : text;
                case TIME -> LocalTime.parse(text);
                case TIMESTAMP -> LocalDateTime.parse(text, TIMESTAMP);
                case TIMESTAMP_UTC -> LocalDateTime.parse(text, TIMESTAMP).atOffset(ZoneOffset.UTC);
                case DATE -> LocalDate.parse(text);
                case BYTES -> HexFormat.of().parseHex(text);
                default -> text;
            };
        } catch (DateTimeParseException | IllegalArgumentException e) {
            return text; // infinity, a time beyond one day: the pipeline carries the text
        }
    }

    private static boolean isNumber(String text) {
        return !text.isEmpty() && (Character.isDigit(text.charAt(0)) || text.charAt(0) == '-' && text.length() > 1
                && Character.isDigit(text.charAt(1)));
    }
}
