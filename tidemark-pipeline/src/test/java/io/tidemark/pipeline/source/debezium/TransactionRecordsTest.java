package io.tidemark.pipeline.source.debezium;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Schema;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Debezium's transaction records, shaped as Debezium 1.9's TransactionMonitor builds them: an END
 * becomes a COMMIT naming the transaction, a BEGIN becomes nothing, and offsets lose the
 * transaction context that Flink CDC cannot restore.
 */
class TransactionRecordsTest {

    private static final Schema COLLECTION = SchemaBuilder.struct()
            .field("data_collection", Schema.STRING_SCHEMA)
            .field("event_count", Schema.INT64_SCHEMA)
            .build();
    private static final Schema VALUE = SchemaBuilder.struct()
            .name(TransactionRecords.VALUE_SCHEMA)
            .field("status", Schema.STRING_SCHEMA)
            .field("id", Schema.STRING_SCHEMA)
            .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
            .field("data_collections", SchemaBuilder.array(COLLECTION).optional().build())
            .build();

    @Test
    void anEndBecomesTheCommitOfItsTransaction() {
        Struct end = new Struct(VALUE).put("status", "END").put("id", "file.000003:1234").put("event_count", 3L)
                .put("data_collections", List.of(
                        new Struct(COLLECTION).put("data_collection", "shop.accounts").put("event_count", 2L),
                        new Struct(COLLECTION).put("data_collection", "shop.ledger").put("event_count", 1L)));
        SourceRecord record = record(end);

        assertThat(TransactionRecords.isTransactionRecord(record)).isTrue();
        ChangeEvent commit = TransactionRecords.commitOf(record);
        assertThat(commit.operation()).isEqualTo(ChangeOperation.COMMIT);
        assertThat(commit.transactionId()).isEqualTo("file.000003:1234");
        assertThat(commit.table()).isEqualTo(new TableId("shop", "accounts"));
        assertThat(commit.keyIndexes()).isEmpty();
    }

    @Test
    void aBeginBecomesNothing() {
        SourceRecord begin = record(new Struct(VALUE).put("status", "BEGIN").put("id", "817"));

        assertThat(TransactionRecords.isTransactionRecord(begin)).isTrue();
        assertThat(TransactionRecords.commitOf(begin)).isNull();
    }

    @Test
    void rowChangesAreNotTransactionRecords() {
        Schema envelope = SchemaBuilder.struct().name("src.public.accounts.Envelope")
                .field("op", Schema.STRING_SCHEMA).build();
        assertThat(TransactionRecords.isTransactionRecord(record(new Struct(envelope).put("op", "u")))).isFalse();
    }

    @Test
    void offsetsLoseTheTransactionContextOnly() {
        Map<String, Object> offset = new HashMap<>();
        offset.put("lsn", 123L);
        offset.put("txId", 817L);
        offset.put("transaction_id", "817");
        offset.put("transaction_data_collection_order_public.accounts", 4L);

        assertThat(TransactionRecords.withoutTransactionContext(offset)).isEqualTo(Map.of("lsn", 123L, "txId", 817L));
        Map<String, Object> plain = Map.of("lsn", 123L);
        assertThat(TransactionRecords.withoutTransactionContext(plain)).isSameAs(plain);
    }

    private static SourceRecord record(Struct value) {
        return new SourceRecord(Map.of("server", "src"), Map.of("lsn", 1L), "src.transaction", null, null,
                value.schema(), value);
    }
}
