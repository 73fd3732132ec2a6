package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.source.SourcePositionLostException;

import org.apache.flink.cdc.connectors.mysql.source.offset.BinlogOffset;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks, before a job resumes from a savepoint, that the MySQL or MariaDB server still holds its
 * binlog from the position the savepoint's binlog split resumes at. Flink CDC would otherwise fail
 * on the cluster for a purged file, or, on another server (a failover target, a rebuilt one) whose
 * binlog has a file of that name, read from a position that means nothing there.
 *
 * <p>The savepoint's offset names a binlog file and position; Flink CDC keeps no server identity
 * in it for MariaDB (no GTID set: MariaDB's {@code SHOW MASTER STATUS} has none, and the event
 * server id is the originating server's, not the one read from). So "the same server" is checked
 * as far as the binlog shows it: the file must be there and must reach the position.
 */
final class MySqlResumeCheck {

    private static final String FIX = "; start the pipeline anew with a snapshot into empty sink tables"
            + " (tidemark run --config FILE, without --from-savepoint)";

    private final MySqlSourceDef def;

    MySqlResumeCheck(MySqlSourceDef def) {
        this.def = def;
    }

    /**
     * @throws SourcePositionLostException if the server's binlog does not hold {@code resumeAt}
     */
    void checkHolds(BinlogOffset resumeAt) throws SQLException {
        String file = resumeAt.getFilename();
        if (file == null || file.isEmpty()) {
            return; // not a file position (earliest, latest, a timestamp): nothing to compare
        }
        long position = resumeAt.getPosition();
        Map<String, Long> logs;
        try (Connection c = MySqlConnections.open(def)) {
            logs = binaryLogs(c);
        }
        String server = def.hostname() + ":" + def.port();
        Long size = logs.get(file);
        if (size == null) {
            String oldest = logs.keySet().stream().findFirst().orElse("none");
            String newest = logs.keySet().stream().reduce((a, b) -> b).orElse("none");
            if (!logs.isEmpty() && BinlogPositions.fileNumber(file) > BinlogPositions.fileNumber(newest)) {
                throw new SourcePositionLostException("source: binlog file " + file + ", where the savepoint resumes"
                        + " (position " + position + "), is past the newest on " + server + " (" + newest + "): this"
                        + " is not the server (or not the binlog) the savepoint was taken from" + FIX);
            }
            throw new SourcePositionLostException("source: binlog file " + file + ", where the savepoint resumes"
                    + " (position " + position + "), is no longer on " + server + " (oldest now: " + oldest + "), so"
                    + " the changes after the savepoint are gone from the server" + FIX);
        }
        if (size < position) {
            throw new SourcePositionLostException("source: binlog file " + file + " on " + server + " ends at " + size
                    + ", before position " + position + " where the savepoint resumes: this is not the server (or not"
                    + " the binlog) the savepoint was taken from" + FIX);
        }
    }

    /** {@code SHOW BINARY LOGS}: each file on the server with its size, oldest first. */
    static Map<String, Long> binaryLogs(Connection c) throws SQLException {
        Map<String, Long> logs = new LinkedHashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW BINARY LOGS")) {
            while (rs.next()) {
                logs.put(rs.getString(1), rs.getLong(2));
            }
        }
        return logs;
    }
}
