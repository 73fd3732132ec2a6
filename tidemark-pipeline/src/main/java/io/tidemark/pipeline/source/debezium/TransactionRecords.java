package io.tidemark.pipeline.source.debezium;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Debezium's transaction metadata ({@code provide.transaction.metadata}): a BEGIN record before the
 * first change of every source transaction that changed a captured table, an END record after its
 * last. A sink that applies in source order commits whole source transactions only, so the source
 * turns each END into a {@link io.tidemark.pipeline.event.ChangeOperation#COMMIT} event; BEGIN
 * carries nothing that sink needs (the changes after a COMMIT are the next transaction's). For
 * PostgreSQL the END record is also where the transaction's commit LSN arrives, which places its
 * changes against the snapshot chunks, so the PostgreSQL source always asks for them.
 *
 * <p>Flink CDC passes these records through its stream readers (they are not data changes) and
 * drops them from snapshot chunks; its record emitters would
 * log and skip them, so Tidemark's emitters hand them here first.
 */
public final class TransactionRecords {

    static final String VALUE_SCHEMA = "io.debezium.connector.common.TransactionMetadataValue";
    private static final String OFFSET_TRANSACTION_PREFIX = "transaction_";

    private TransactionRecords() {}

    /** Asks Debezium for the BEGIN and END records. */
    public static void provide(Properties debezium) {
        debezium.setProperty("provide.transaction.metadata", "true");
    }

    public static boolean isTransactionRecord(SourceRecord record) {
        Schema schema = record.valueSchema();
        return schema != null && VALUE_SCHEMA.equals(schema.name());
    }

    /** Whether a transaction record is an END (the other kind is BEGIN). */
    public static boolean isEnd(SourceRecord record) {
        Struct value = (Struct) record.value();
        return value != null && "END".equals(value.getString("status"));
    }

    /** Emits the COMMIT event of an END record; a BEGIN record emits nothing. */
    public static void emit(SourceRecord record, SourceOutput<ChangeEvent> output) {
        ChangeEvent commit = commitOf(record);
        if (commit != null) {
            output.collect(commit);
        }
    }

    /**
     * A source offset without the transaction context Debezium adds to it with transaction metadata
     * on ({@code transaction_id}, {@code transaction_data_collection_order_<table>}); the same map
     * when it has none.
     */
    public static Map<String, ?> withoutTransactionContext(Map<String, ?> offset) {
        boolean any = false;
        for (String key : offset.keySet()) {
            any |= key.startsWith(OFFSET_TRANSACTION_PREFIX);
        }
        if (!any) {
            return offset;
        }
        Map<String, Object> stripped = new HashMap<>(offset);
        stripped.keySet().removeIf(key -> key.startsWith(OFFSET_TRANSACTION_PREFIX));
        return stripped;
    }

    /** A table as Debezium names a data collection: {@code schema.table}, unquoted. */
    private static TableId debeziumName(String collection) {
        int dot = collection.indexOf('.');
        return dot < 0 ? new TableId("", collection) : new TableId(collection.substring(0, dot), collection.substring(dot + 1));
    }

    /** The COMMIT event of an END record, or null for a BEGIN record. */
    static ChangeEvent commitOf(SourceRecord record) {
        Struct value = (Struct) record.value();
        if (value == null || !"END".equals(value.getString("status"))) {
            return null;
        }
        List<Struct> collections = value.getArray("data_collections");
        TableId first = collections == null || collections.isEmpty()
                ? new TableId("", "")
                : debeziumName(collections.get(0).getString("data_collection"));
        return ChangeEvent.commit(value.getString("id"), first, 0L);
    }
}
