package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.metrics.SourceRetention;

import org.apache.flink.cdc.connectors.mysql.source.offset.BinlogOffset;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The server's binary log against the binlog position of a reader's last completed checkpoint, as
 * {@link SourceRetention}: bytes from that position to the end of the newest file (what a restore
 * replays, and what the server must keep), bytes on the server before it (how much the server may
 * purge before the position is gone), and whether its file is still there. The server purges by its
 * own rules ({@code binlog_expire_logs_seconds}, {@code PURGE BINARY LOGS}), never knowing the job.
 */
final class BinlogRetention implements SourceRetention {

    private static final long serialVersionUID = 1L;

    private final MySqlSourceDef def;
    private final transient Supplier<BinlogOffset> checkpointed;

    BinlogRetention(MySqlSourceDef def, Supplier<BinlogOffset> checkpointed) {
        this.def = def;
        this.checkpointed = checkpointed;
    }

    @Override
    public Reading read() throws SQLException {
        BinlogOffset needed = checkpointed.get();
        if (needed == null || needed.getFilename() == null || needed.getFilename().isEmpty()) {
            return Reading.UNKNOWN; // no completed checkpoint of the binlog split on this reader yet
        }
        Map<String, Long> logs;
        try (Connection c = MySqlConnections.open(def)) {
            logs = MySqlResumeCheck.binaryLogs(c);
        }
        return reading(logs, needed.getFilename(), needed.getPosition());
    }

    /** The reading for position {@code position} of {@code file} in {@code logs} (file to size, oldest first). */
    static Reading reading(Map<String, Long> logs, String file, long position) {
        long before = 0;
        long total = 0;
        boolean found = false;
        for (Map.Entry<String, Long> log : logs.entrySet()) {
            if (log.getKey().equals(file)) {
                found = true;
                before = total;
            }
            total += log.getValue();
        }
        if (!found) {
            return new Reading(Double.NaN, Double.NaN, Double.NaN, 0);
        }
        long neededAt = before + position;
        double behind = Math.max(0, total - neededAt);
        return new Reading(behind, behind, neededAt, 1);
    }
}
