package io.tidemark.pipeline.source.mysql;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A change whose binlog event has no position fails naming the server setting that leaves it out. */
class BinlogPositionsTest {

    /** MariaDB 11.4's default: Debezium sees end_log_pos 0 and hands the row over at minus its event's length. */
    @Test
    void aRowOfAnEventWithoutPositionNamesTheSetting() {
        assertThatThrownBy(() -> BinlogPositions.ofRow("binlog.000001", -57, 0))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("source: a change in binlog binlog.000001 has no position: the server wrote end_log_pos 0"
                        + " into its event (MariaDB 11.4 and later do inside transactions while binlog_legacy_event_pos"
                        + " is OFF); run SET GLOBAL binlog_legacy_event_pos = ON, set it on in the server's"
                        + " configuration, and start the pipeline anew with a snapshot");
    }
}
