package io.tidemark.pipeline.sink.jdbc.dialect;

import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.event.ValueText;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * MariaDB and MySQL targets. The guard lives in {@code ON DUPLICATE KEY UPDATE}: every column is
 * set to {@code IF(old position < new position, new value, old value)} and the position column is
 * assigned last, because MySQL evaluates the assignments left to right and later ones see earlier
 * results. A replayed change therefore leaves the row byte for byte as it was. The schema of a
 * {@code schema.table} name is the MySQL database.
 */
public final class MySqlSinkDialect implements SinkDialect {

    private static final long serialVersionUID = 1L;

    private static final String TOMBSTONES = "_tidemark_tombstones";
    private static final String PROGRESS = "_tidemark_progress";
    private static final String FENCE = "_tidemark_fence";
    private static final String TRUNCATIONS = "_tidemark_truncations";
    private static final String TRUNCATE_ARRIVALS = "_tidemark_truncate_arrivals";
    private static final String DEFERRED = "_tidemark_deferred";

    @Override
    public String metadataTable(String name) {
        return "" + name;
    }

    @Override
    public String name() {
        return "mysql";
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    @Override
    public Properties connectionProperties() {
        Properties props = new Properties();
        props.setProperty("rewriteBatchedStatements", "true");
        props.setProperty("useServerPrepStmts", "false");
        props.setProperty("characterEncoding", "UTF-8");
        props.setProperty("connectionTimeZone", "UTC");
        props.setProperty("forceConnectionTimeZoneToSession", "true");
        props.setProperty("tcpKeepAlive", "true");
        return props;
    }

    @Override
    public String guardedUpsert(TableId table, List<String> columns, List<String> keyColumns) {
        String cols = columns.stream().map(this::quoteIdentifier).collect(Collectors.joining(", "));
        String params = columns.stream().map(c -> "?").collect(Collectors.joining(", "));
        String pos = quoteIdentifier(POSITION_COLUMN);
        String newer = pos + " < VALUES(" + pos + ")";
        String updates = columns.stream()
                .filter(c -> !keyColumns.contains(c))
                .map(this::quoteIdentifier)
                .map(c -> c + " = IF(" + newer + ", VALUES(" + c + "), " + c + ")")
                .collect(Collectors.joining(", "));
        // ON DUPLICATE KEY UPDATE fires on any unique index: if the row it found has another primary key,
        // the first assignment sets that key to NULL, which strict mode refuses (1048, SQLSTATE 23000), so
        // two rows are never merged into one
        String sameKey = keyColumns.stream()
                .map(this::quoteIdentifier)
                .map(k -> k + " <=> VALUES(" + k + ")")
                .collect(Collectors.joining(" AND "));
        String firstKey = quoteIdentifier(keyColumns.get(0));
        return "INSERT INTO " + quoteTable(table) + " (" + cols + ", " + pos + ") VALUES (" + params + ", ?)"
                + " ON DUPLICATE KEY UPDATE " + firstKey + " = IF(" + sameKey + ", " + firstKey + ", NULL), "
                + (updates.isEmpty() ? "" : updates + ", ")
                + pos + " = GREATEST(" + pos + ", VALUES(" + pos + "))";
    }

    /** Strict mode: a value that does not fit is refused (into the dead-letter queue) instead of cut silently. */
    @Override
    public List<String> sessionSetup() {
        return List.of("SET SESSION sql_mode = CONCAT_WS(',', NULLIF(@@SESSION.sql_mode, ''), 'STRICT_TRANS_TABLES')");
    }

    @Override
    public String guardedDelete(TableId table, List<String> keyColumns) {
        String where = keyColumns.stream().map(c -> quoteIdentifier(c) + " = ?").collect(Collectors.joining(" AND "));
        return "DELETE FROM " + quoteTable(table) + " WHERE " + where + " AND " + quoteIdentifier(POSITION_COLUMN) + " < ?";
    }

    @Override
    public String addPositionColumn(TableId table) {
        return "ALTER TABLE " + quoteTable(table) + " ADD COLUMN " + quoteIdentifier(POSITION_COLUMN)
                + " BIGINT NOT NULL DEFAULT -1";
    }

    @Override
    public List<String> metadataTables() {
        // keys up to 512 characters: the primary key must fit InnoDB's 3072-byte index limit in utf8mb4
        return List.of(
                "CREATE TABLE IF NOT EXISTS " + TOMBSTONES + " (table_name VARCHAR(128) NOT NULL,"
                        + " row_key VARCHAR(512) NOT NULL, pos BIGINT NOT NULL,"
                        + " deleted_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                        + " PRIMARY KEY (table_name, row_key)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "CREATE TABLE IF NOT EXISTS " + PROGRESS + " (pipeline VARCHAR(128) NOT NULL,"
                        + " writer VARCHAR(128) NOT NULL, max_pos BIGINT NOT NULL,"
                        + " updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                        + " PRIMARY KEY (pipeline, writer)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "CREATE TABLE IF NOT EXISTS " + FENCE + " (pipeline VARCHAR(128) NOT NULL,"
                        + " sink VARCHAR(128) NOT NULL, epoch BIGINT NOT NULL, owner VARCHAR(128) NOT NULL,"
                        + " snapshot_pos BIGINT NOT NULL DEFAULT -1,"
                        + " updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                        + " PRIMARY KEY (pipeline, sink)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "CREATE TABLE IF NOT EXISTS " + TRUNCATIONS + " (table_name VARCHAR(255) NOT NULL PRIMARY KEY,"
                        + " pos BIGINT NOT NULL, truncated_at TIMESTAMP(6) NULL)"
                        + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "CREATE TABLE IF NOT EXISTS " + TRUNCATE_ARRIVALS + " (pipeline VARCHAR(128) NOT NULL,"
                        + " sink VARCHAR(128) NOT NULL, table_name VARCHAR(255) NOT NULL, pos BIGINT NOT NULL,"
                        + " epoch BIGINT NOT NULL, subtask INT NOT NULL,"
                        + " arrived_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
                        + " PRIMARY KEY (pipeline, sink, table_name, pos, epoch, subtask))"
                        + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "CREATE TABLE IF NOT EXISTS " + DEFERRED + " (id CHAR(64) NOT NULL PRIMARY KEY,"
                        + " pipeline VARCHAR(128) NOT NULL, sink VARCHAR(128) NOT NULL, pos BIGINT NOT NULL,"
                        + " event LONGBLOB NOT NULL, error TEXT,"
                        + " deferred_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))"
                        + " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
    }

    @Override
    public String onConflictDoNothing(String keyColumn) {
        return " ON DUPLICATE KEY UPDATE " + keyColumn + " = " + keyColumn;
    }

    @Override
    public String setTruncationMark() {
        return "UPDATE " + TRUNCATIONS + " SET pos = ?, truncated_at = NOW(6) WHERE table_name = ?";
    }

    @Override
    public String shareLockClause() {
        return " LOCK IN SHARE MODE";
    }

    @Override
    public String insertFence() {
        return "INSERT INTO " + FENCE + " (pipeline, sink, epoch, owner) VALUES (?, ?, 1, ?)"
                + " ON DUPLICATE KEY UPDATE pipeline = pipeline";
    }

    @Override
    public String bumpFence() {
        return "UPDATE " + FENCE + " SET epoch = ?, owner = ?, updated_at = NOW(6) WHERE pipeline = ? AND sink = ?";
    }

    @Override
    public String upsertTombstone() {
        return "INSERT INTO " + TOMBSTONES + " (table_name, row_key, pos, deleted_at) VALUES (?, ?, ?, NOW(6))"
                + " ON DUPLICATE KEY UPDATE deleted_at = IF(pos < VALUES(pos), VALUES(deleted_at), deleted_at),"
                + " pos = GREATEST(pos, VALUES(pos))";
    }

    @Override
    public String expireTombstones() {
        return "DELETE FROM " + TOMBSTONES + " WHERE deleted_at < NOW(6) - INTERVAL ? SECOND LIMIT ?";
    }

    /** MySQL 8 takes no {@code IF NOT EXISTS} on an index, so the catalog is asked first. */
    @Override
    public List<String> missingMetadataIndexes(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM information_schema.statistics"
                + " WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ?")) {
            ps.setString(1, TOMBSTONES);
            ps.setString(2, "_tidemark_tombstones_deleted_at");
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return List.of();
                }
            }
        }
        return List.of("ALTER TABLE " + TOMBSTONES + " ADD INDEX _tidemark_tombstones_deleted_at (deleted_at)");
    }

    @Override
    public String sessionId() {
        return "SELECT CONNECTION_ID()";
    }

    @Override
    public String endSession(long id) {
        return "KILL " + id;
    }

    @Override
    public String upsertProgress() {
        return "INSERT INTO " + PROGRESS + " (pipeline, writer, max_pos, updated_at) VALUES (?, ?, ?, NOW(6))"
                + " ON DUPLICATE KEY UPDATE max_pos = GREATEST(max_pos, VALUES(max_pos)), updated_at = NOW(6)";
    }

    /**
     * Date-times go as text: Connector/J reads MariaDB's version as 5.5.5 (the replication prefix)
     * and drops fractional seconds of java.time values; MySQL parses the text exactly. Zoned values
     * are written as UTC, the session time zone.
     */
    @Override
    public Object toBindValue(Object value, int sqlType) {
        if (sqlType == Types.BIT && value instanceof String bits && isBitString(bits)) {
            return bitBytes(bits);
        }
        if (value instanceof LocalDateTime ts) {
            return ts.format(DATE_TIME);
        }
        if (value instanceof OffsetDateTime ts) {
            return ts.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime().format(DATE_TIME);
        }
        if (value instanceof LocalTime time) {
            return time.format(TIME);
        }
        if (value instanceof List<?> array) {
            // no array type here: a JSON array (nested for more dimensions), for a JSON or text column
            return ValueText.text(array);
        }
        return value;
    }

    private static boolean isBitString(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c == '0' || c == '1');
    }

    /** A bit string ({@code 0000000100000010}) as the big-endian bytes a BIT(n) column takes. */
    private static byte[] bitBytes(String bits) {
        byte[] bytes = new byte[(bits.length() + 7) / 8];
        for (int i = 0; i < bits.length(); i++) {
            if (bits.charAt(bits.length() - 1 - i) == '1') {
                bytes[bytes.length - 1 - i / 8] |= (byte) (1 << (i % 8));
            }
        }
        return bytes;
    }

    private static final DateTimeFormatter DATE_TIME = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSSSSS");

    @Override
    public String catalog(TableId table) {
        return table.schema();
    }

    @Override
    public String schemaPattern(TableId table) {
        return null;
    }

    @Override
    public boolean isTransient(SQLException error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                int code = sql.getErrorCode();
                if ((state != null && (state.startsWith("08") || state.equals("40001")))
                        || code == 1213 // deadlock
                        || code == 1205 // lock wait timeout
                        || code == 2006 // server has gone away
                        || code == 2013 // lost connection during query
                        || code == 1040 // too many connections
                        || code == 1467) { // "failed to read auto-increment value": seen under concurrent writes
                    return true;
                }
            }
        }
        return false;
    }
}
