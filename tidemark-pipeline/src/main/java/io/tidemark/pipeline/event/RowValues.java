package io.tidemark.pipeline.event;

import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * The closed set of value types a {@link ChangeEvent} row may hold, with their wire encoding and
 * a canonical text form for keys. Keeping the set closed lets every sink dialect bind every value
 * and keeps the event encoding compact and stable.
 *
 * <p>Types: null, Boolean, Short, Integer, Long, Float, Double, BigDecimal, String (also JSON,
 * UUID, enum), byte[], LocalDate, LocalTime, LocalDateTime, OffsetDateTime and List of these.
 */
public final class RowValues {

    private static final byte NULL = 0;
    private static final byte BOOLEAN = 1;
    private static final byte SHORT = 2;
    private static final byte INT = 3;
    private static final byte LONG = 4;
    private static final byte FLOAT = 5;
    private static final byte DOUBLE = 6;
    private static final byte DECIMAL = 7;
    private static final byte STRING = 8;
    private static final byte BYTES = 9;
    private static final byte DATE = 10;
    private static final byte TIME = 11;
    private static final byte TIMESTAMP = 12;
    private static final byte TIMESTAMP_TZ = 13;
    private static final byte LIST = 14;

    private RowValues() {}

    public static void write(Object value, DataOutputView out) throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof String s) {
            out.writeByte(STRING);
            writeString(s, out);
        } else if (value instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (value instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (value instanceof BigDecimal d) {
            out.writeByte(DECIMAL);
            out.writeInt(d.scale());
            byte[] unscaled = d.unscaledValue().toByteArray();
            out.writeInt(unscaled.length);
            out.write(unscaled);
        } else if (value instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (value instanceof Short s) {
            out.writeByte(SHORT);
            out.writeShort(s);
        } else if (value instanceof Float f) {
            out.writeByte(FLOAT);
            out.writeFloat(f);
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (value instanceof byte[] bytes) {
            out.writeByte(BYTES);
            out.writeInt(bytes.length);
            out.write(bytes);
        } else if (value instanceof LocalDate date) {
            out.writeByte(DATE);
            out.writeLong(date.toEpochDay());
        } else if (value instanceof LocalTime time) {
            out.writeByte(TIME);
            out.writeLong(time.toNanoOfDay());
        } else if (value instanceof LocalDateTime ts) {
            out.writeByte(TIMESTAMP);
            out.writeLong(ts.toLocalDate().toEpochDay());
            out.writeLong(ts.toLocalTime().toNanoOfDay());
        } else if (value instanceof OffsetDateTime ts) {
            out.writeByte(TIMESTAMP_TZ);
            out.writeLong(ts.toLocalDate().toEpochDay());
            out.writeLong(ts.toLocalTime().toNanoOfDay());
            out.writeInt(ts.getOffset().getTotalSeconds());
        } else if (value instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeInt(list.size());
            for (Object element : list) {
                write(element, out);
            }
        } else {
            throw new IllegalArgumentException(
                    "unsupported row value type " + value.getClass().getName());
        }
    }

    public static Object read(DataInputView in) throws IOException {
        byte tag = in.readByte();
        switch (tag) {
            case NULL:
                return null;
            case BOOLEAN:
                return in.readBoolean();
            case SHORT:
                return in.readShort();
            case INT:
                return in.readInt();
            case LONG:
                return in.readLong();
            case FLOAT:
                return in.readFloat();
            case DOUBLE:
                return in.readDouble();
            case DECIMAL:
                {
                    int scale = in.readInt();
                    byte[] unscaled = new byte[in.readInt()];
                    in.readFully(unscaled);
                    return new BigDecimal(new BigInteger(unscaled), scale);
                }
            case STRING:
                return readString(in);
            case BYTES:
                {
                    byte[] bytes = new byte[in.readInt()];
                    in.readFully(bytes);
                    return bytes;
                }
            case DATE:
                return LocalDate.ofEpochDay(in.readLong());
            case TIME:
                return LocalTime.ofNanoOfDay(in.readLong());
            case TIMESTAMP:
                return LocalDateTime.of(
                        LocalDate.ofEpochDay(in.readLong()), LocalTime.ofNanoOfDay(in.readLong()));
            case TIMESTAMP_TZ:
                {
                    LocalDate date = LocalDate.ofEpochDay(in.readLong());
                    LocalTime time = LocalTime.ofNanoOfDay(in.readLong());
                    return OffsetDateTime.of(
                            date, time, ZoneOffset.ofTotalSeconds(in.readInt()));
                }
            case LIST:
                {
                    int size = in.readInt();
                    List<Object> list = new ArrayList<>(size);
                    for (int i = 0; i < size; i++) {
                        list.add(read(in));
                    }
                    return list;
                }
            default:
                throw new IOException("corrupt change event: unknown value tag " + tag);
        }
    }

    /** Strings may be longer than 64 KiB (text, JSON), so no writeUTF. */
    static void writeString(String s, DataOutputView out) throws IOException {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    static String readString(DataInputView in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** A hash that treats byte arrays by content, so equal keys hash equally. */
    public static int hash(Object value) {
        if (value == null) {
            return 0;
        }
        if (value instanceof byte[] bytes) {
            return Arrays.hashCode(bytes);
        }
        if (value instanceof BigDecimal d) {
            return d.stripTrailingZeros().hashCode();
        }
        return value.hashCode();
    }

    /**
     * A canonical, stable text form of a key: equal keys give equal strings, across restarts and
     * JVMs. Used where a key must be stored as one value (tombstones).
     */
    public static String keyString(Object[] key) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < key.length; i++) {
            if (i > 0) {
                sb.append('\u001f');
            }
            appendCanonical(sb, key[i]);
        }
        return sb.toString();
    }

    private static void appendCanonical(StringBuilder sb, Object value) {
        if (value == null) {
            sb.append("\u2400");
        } else if (value instanceof byte[] bytes) {
            sb.append("0x").append(HexFormat.of().formatHex(bytes));
        } else if (value instanceof BigDecimal d) {
            sb.append(d.stripTrailingZeros().toPlainString());
        } else if (value instanceof List<?> list) {
            sb.append('[');
            for (Object element : list) {
                appendCanonical(sb, element);
                sb.append(',');
            }
            sb.append(']');
        } else {
            sb.append(value);
        }
    }
}
