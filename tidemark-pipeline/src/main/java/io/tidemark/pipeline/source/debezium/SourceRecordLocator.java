package io.tidemark.pipeline.source.debezium;

import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.data.Struct;
import org.apache.flink.cdc.connectors.shaded.org.apache.kafka.connect.source.SourceRecord;

import java.io.Serializable;

/**
 * What {@link DebeziumChangeEventDeserializer} needs to know about one kind of source database:
 * which table a record belongs to and where in the source's log its change lies.
 */
public interface SourceRecordLocator extends Serializable {

    /** The table of a record, from the {@code source} block of its value. */
    TableId tableOf(Struct source);

    /**
     * The position of a streamed change as one number that orders every change of the source:
     * higher means later in the log. Never called for snapshot rows.
     */
    long positionOf(SourceRecord record, Struct source);

    /** A position as the source's own tools show it, for messages (an LSN, a binlog file and offset). */
    default String describe(SourcePosition position) {
        return "position " + position.value();
    }
}
