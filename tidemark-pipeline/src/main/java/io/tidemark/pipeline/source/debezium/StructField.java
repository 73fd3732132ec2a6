package io.tidemark.pipeline.source.debezium;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Field;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;

import java.io.Serializable;

/**
 * One field of Debezium's record structs, read by position. Kafka Connect's {@code
 * Struct.getString(name)} looks the name up in a hash map on every call, several times per change on
 * the task thread; this looks it up once per struct schema (the {@code source} block has one schema
 * per connector, a table's envelope one per table version) and then reads the value by index.
 * Meant for one thread, like the deserializer that holds it.
 */
public final class StructField implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String name;
    private transient Schema schema;
    private transient Field field;

    public StructField(String name) {
        this.name = name;
    }

    /** The field's value in {@code struct}, without Kafka Connect's type check. */
    public Object get(Struct struct) {
        Schema structSchema = struct.schema();
        if (structSchema != schema) {
            Field found = structSchema.field(name);
            if (found == null) {
                throw new IllegalStateException(name + " is not a field of " + structSchema.name());
            }
            field = found;
            schema = structSchema;
        }
        return struct.get(field);
    }

    public String getString(Struct struct) {
        return (String) get(struct);
    }

    public Struct getStruct(Struct struct) {
        return (Struct) get(struct);
    }

    public Long getInt64(Struct struct) {
        return (Long) get(struct);
    }
}
