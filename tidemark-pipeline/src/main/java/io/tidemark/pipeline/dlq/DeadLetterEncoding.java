package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeEventSerializer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.Base64;

/**
 * How every queue backend writes an entry's change: in Tidemark's own event encoding, so a replay
 * applies exactly the change that failed, and its row images as JSON, for people. Shared so that a
 * table and a topic hold the same bytes and the same JSON for the same change.
 */
public final class DeadLetterEncoding {

    static final ObjectMapper JSON = new ObjectMapper();

    private DeadLetterEncoding() {}

    static byte[] encode(ChangeEvent event) {
        DataOutputSerializer out = new DataOutputSerializer(256);
        try {
            ChangeEventSerializer.INSTANCE.serialize(event, out);
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode a change event", e);
        }
        return out.getCopyOfBuffer();
    }

    static ChangeEvent decode(byte[] bytes) throws IOException {
        try {
            return ChangeEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes));
        } catch (IOException | RuntimeException e) {
            throw new IOException("an entry's event cannot be decoded: " + e.getMessage(), e);
        }
    }

    /** A row image as a JSON object of column names to values; null if there is no image. */
    static ObjectNode rowNode(ChangeEvent event, Object[] row) {
        if (row == null) {
            return null;
        }
        ObjectNode node = JSON.createObjectNode();
        String[] columns = event.columns();
        for (int i = 0; i < columns.length; i++) {
            Object value = row[i];
            if (value == null) {
                node.putNull(columns[i]);
            } else if (value instanceof Number && !(value instanceof BigDecimal)) {
                node.putPOJO(columns[i], value);
            } else if (value instanceof Boolean b) {
                node.put(columns[i], b);
            } else if (value instanceof BigDecimal d) {
                node.put(columns[i], d.toPlainString());
            } else if (value instanceof byte[] bytes) {
                node.put(columns[i], Base64.getEncoder().encodeToString(bytes));
            } else {
                node.put(columns[i], value.toString());
            }
        }
        return node;
    }

    /** {@link #rowNode} as text; null if there is no image. */
    public static String rowJson(ChangeEvent event, Object[] row) {
        ObjectNode node = rowNode(event, row);
        return node == null ? null : node.toString();
    }

    static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }
}
