package io.tidemark.pipeline.event;

import java.io.Serializable;
import java.util.Objects;

/**
 * A schema-qualified table name as written in {@code pipeline.yaml} ({@code schema.table}). The
 * identity of a table in routes, change events and sink statements.
 */
public record TableId(String schema, String table) implements Serializable {

    public TableId {
        Objects.requireNonNull(schema, "schema cannot be null");
        Objects.requireNonNull(table, "table cannot be null");
    }

    /** Parses {@code schema.table}; a name without a dot lands in {@code public}. */
    public static TableId parse(String qualified) {
        int dot = qualified.indexOf('.');
        return dot < 0
                ? new TableId("public", qualified)
                : new TableId(qualified.substring(0, dot), qualified.substring(dot + 1));
    }

    @Override
    public String toString() {
        return schema + "." + table;
    }
}
