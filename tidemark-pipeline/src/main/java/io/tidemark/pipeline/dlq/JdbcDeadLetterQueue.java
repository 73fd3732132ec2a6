package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.PostgresSinkDialect;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.io.IOException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A dead-letter queue in a table of a PostgreSQL or MySQL/MariaDB database, by default the sink's
 * own. Each entry keeps the change twice: as JSON ({@code before_json}, {@code after_json}) for
 * people, and in Tidemark's own event encoding ({@code event}) so that a replay applies exactly the
 * change that failed. A unique {@code entry_id} makes adding idempotent.
 */
public final class JdbcDeadLetterQueue implements DeadLetterQueue, Serializable {

    private static final long serialVersionUID = 1L;

    private final JdbcConnectionFactory connections;
    private final SinkDialect dialect;
    private final String table;
    private transient Connection connection;

    public JdbcDeadLetterQueue(JdbcConnectionFactory connections, String table) {
        this.connections = connections;
        this.dialect = SinkDialect.forUrl(connections.url());
        this.table = table;
    }

    private boolean postgres() {
        return dialect instanceof PostgresSinkDialect;
    }

    @Override
    public void prepare() throws IOException {
        String ddl = postgres()
                ? "CREATE TABLE IF NOT EXISTS " + table + " (id BIGSERIAL PRIMARY KEY, entry_id CHAR(64) NOT NULL UNIQUE,"
                        + " pipeline VARCHAR(63) NOT NULL, sink VARCHAR(63) NOT NULL, source_table VARCHAR(255) NOT NULL,"
                        + " sink_table VARCHAR(255) NOT NULL, row_key TEXT NOT NULL, operation VARCHAR(8) NOT NULL,"
                        + " position BIGINT NOT NULL, commit_time TIMESTAMP NULL, before_json TEXT, after_json TEXT,"
                        + " event BYTEA NOT NULL, kind VARCHAR(8) NOT NULL, error_class VARCHAR(255) NOT NULL,"
                        + " error_message TEXT NOT NULL, attempts INT NOT NULL, first_failure TIMESTAMP NOT NULL,"
                        + " last_failure TIMESTAMP NOT NULL, replayed_at TIMESTAMP NULL, replay_result VARCHAR(8) NULL)"
                : "CREATE TABLE IF NOT EXISTS " + table + " (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                        + " entry_id CHAR(64) NOT NULL UNIQUE, pipeline VARCHAR(63) NOT NULL, sink VARCHAR(63) NOT NULL,"
                        + " source_table VARCHAR(255) NOT NULL, sink_table VARCHAR(255) NOT NULL, row_key TEXT NOT NULL,"
                        + " operation VARCHAR(8) NOT NULL, position BIGINT NOT NULL, commit_time DATETIME(6) NULL,"
                        + " before_json LONGTEXT, after_json LONGTEXT, event LONGBLOB NOT NULL, kind VARCHAR(8) NOT NULL,"
                        + " error_class VARCHAR(255) NOT NULL, error_message TEXT NOT NULL, attempts INT NOT NULL,"
                        + " first_failure DATETIME(6) NOT NULL, last_failure DATETIME(6) NOT NULL,"
                        + " replayed_at DATETIME(6) NULL, replay_result VARCHAR(8) NULL) CHARACTER SET utf8mb4";
        run(c -> {
            try (Statement st = c.createStatement()) {
                st.execute(ddl);
            }
            return null;
        });
    }

    @Override
    public void add(List<DeadLetter> letters) throws IOException {
        if (letters.isEmpty()) {
            return;
        }
        String columns = "(entry_id, pipeline, sink, source_table, sink_table, row_key, operation, position,"
                + " commit_time, before_json, after_json, event, kind, error_class, error_message, attempts,"
                + " first_failure, last_failure) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        String sql = postgres()
                ? "INSERT INTO " + table + " " + columns + " ON CONFLICT (entry_id) DO NOTHING"
                : "INSERT IGNORE INTO " + table + " " + columns;
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (DeadLetter letter : letters) {
                    ChangeEvent event = letter.event();
                    int i = 1;
                    ps.setString(i++, letter.entryId());
                    ps.setString(i++, letter.pipeline());
                    ps.setString(i++, letter.sink());
                    ps.setString(i++, event.table().toString());
                    ps.setString(i++, DeadLetterEncoding.truncate(letter.sinkTable(), 255)); // a Redis key may be longer
                    ps.setString(i++, letter.rowKey());
                    ps.setString(i++, event.operation().name());
                    ps.setLong(i++, event.position().value());
                    ps.setTimestamp(i++, event.commitTimeMillis() > 0 ? new Timestamp(event.commitTimeMillis()) : null);
                    ps.setString(i++, DeadLetterEncoding.rowJson(event, event.before()));
                    ps.setString(i++, DeadLetterEncoding.rowJson(event, event.after()));
                    ps.setBytes(i++, DeadLetterEncoding.encode(event));
                    ps.setString(i++, letter.kind().name());
                    ps.setString(i++, DeadLetterEncoding.truncate(letter.errorClass(), 255));
                    ps.setString(i++, DeadLetterEncoding.truncate(letter.errorMessage(), 4000));
                    ps.setInt(i++, letter.attempts());
                    ps.setTimestamp(i++, Timestamp.from(letter.firstFailure()));
                    ps.setTimestamp(i, Timestamp.from(letter.lastFailure()));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public Set<String> rowsWithPendingEntries(String pipeline, String sink) throws IOException {
        return run(c -> {
            Set<String> rows = new HashSet<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT source_table, row_key FROM " + table
                    + " WHERE pipeline = ? AND sink = ? AND replayed_at IS NULL")) {
                ps.setString(1, pipeline);
                ps.setString(2, sink);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(DeadLetterQueue.rowOf(rs.getString(1), rs.getString(2)));
                    }
                }
            }
            return rows;
        });
    }

    @Override
    public List<DeadLetterTally> tally(String pipeline, String sink) throws IOException {
        return run(c -> {
            List<DeadLetterTally> tallies = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT source_table, error_class,"
                    + " SUM(CASE WHEN replayed_at IS NULL THEN 1 ELSE 0 END),"
                    + " SUM(CASE WHEN replayed_at IS NULL THEN 0 ELSE 1 END) FROM " + table
                    + " WHERE pipeline = ? AND sink = ? GROUP BY source_table, error_class"
                    + " ORDER BY source_table, error_class")) {
                ps.setString(1, pipeline);
                ps.setString(2, sink);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        tallies.add(new DeadLetterTally(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
                    }
                }
            }
            return tallies;
        });
    }

    @Override
    public List<StoredDeadLetter> list(String pipeline, DeadLetterFilter filter) throws IOException {
        List<Object> args = new ArrayList<>();
        String where = where(pipeline, filter, args);
        return select(where + " ORDER BY position, id", args);
    }

    @Override
    public Optional<StoredDeadLetter> get(String pipeline, long id) throws IOException {
        List<StoredDeadLetter> found = select(" WHERE pipeline = ? AND id = ?", List.of(pipeline, id));
        return found.stream().findFirst();
    }

    private List<StoredDeadLetter> select(String whereAndOrder, List<Object> args) throws IOException {
        return run(c -> {
            List<StoredDeadLetter> letters = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, pipeline, sink, sink_table, event, kind,"
                    + " error_class, error_message, attempts, first_failure, last_failure, replayed_at, replay_result"
                    + " FROM " + table + whereAndOrder)) {
                bind(ps, args);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        DeadLetter letter = new DeadLetter(rs.getString(2), rs.getString(3), rs.getString(4),
                                decode(rs.getBytes(5)), DeadLetterKind.valueOf(rs.getString(6)), rs.getString(7),
                                rs.getString(8), rs.getInt(9), rs.getTimestamp(10).toInstant(),
                                rs.getTimestamp(11).toInstant());
                        Timestamp replayedAt = rs.getTimestamp(12);
                        String result = rs.getString(13);
                        letters.add(new StoredDeadLetter(rs.getLong(1), letter,
                                replayedAt == null ? null : replayedAt.toInstant(),
                                result == null ? null : StoredDeadLetter.ReplayResult.valueOf(result)));
                    }
                }
            }
            return letters;
        });
    }

    @Override
    public void recordReplayFailure(long id, String errorClass, String errorMessage, Instant at) throws IOException {
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET error_class = ?, error_message = ?,"
                    + " attempts = attempts + 1, last_failure = ? WHERE id = ? AND replayed_at IS NULL")) {
                ps.setString(1, DeadLetterEncoding.truncate(errorClass, 255));
                ps.setString(2, DeadLetterEncoding.truncate(errorMessage == null ? "" : errorMessage, 4000));
                ps.setTimestamp(3, Timestamp.from(at));
                ps.setLong(4, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public void markReplayed(long id, StoredDeadLetter.ReplayResult result) throws IOException {
        run(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE " + table + " SET replayed_at = ?, replay_result = ? WHERE id = ?")) {
                ps.setTimestamp(1, Timestamp.from(Instant.now()));
                ps.setString(2, result.name());
                ps.setLong(3, id);
                ps.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public int purge(String pipeline, DeadLetterFilter filter) throws IOException {
        List<Object> args = new ArrayList<>();
        String where = where(pipeline, filter, args);
        return run(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + where)) {
                bind(ps, args);
                return ps.executeUpdate();
            }
        });
    }

    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing more to do with a closed or broken connection
            }
            connection = null;
        }
    }

    private static String where(String pipeline, DeadLetterFilter filter, List<Object> args) {
        StringBuilder where = new StringBuilder(" WHERE pipeline = ?");
        args.add(pipeline);
        filter.sink().ifPresent(v -> { where.append(" AND sink = ?"); args.add(v); });
        filter.sourceTable().ifPresent(v -> { where.append(" AND source_table = ?"); args.add(v); });
        filter.rowKey().ifPresent(v -> { where.append(" AND row_key = ?"); args.add(v); });
        filter.errorClass().ifPresent(v -> { where.append(" AND error_class = ?"); args.add(v); });
        filter.from().ifPresent(v -> { where.append(" AND last_failure >= ?"); args.add(Timestamp.from(v)); });
        filter.to().ifPresent(v -> { where.append(" AND last_failure < ?"); args.add(Timestamp.from(v)); });
        if (!filter.includeReplayed()) {
            where.append(" AND replayed_at IS NULL");
        }
        return where.toString();
    }

    private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
        for (int i = 0; i < args.size(); i++) {
            ps.setObject(i + 1, args.get(i));
        }
    }

    @FunctionalInterface
    private interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** Runs one unit of work in autocommit; a failure drops the connection so the next call reconnects. */
    private <T> T run(SqlWork<T> work) throws IOException {
        try {
            if (connection == null || !connection.isValid(5)) {
                close();
                try {
                    connection = connections.open(dialect);
                } catch (SQLException e) {
                    // named as the pipeline file names it: the queue's own database or the sink's
                    throw new IOException("dead-letter-queue: cannot connect to " + connections.describe() + ": "
                            + e.getMessage(), e);
                }
                connection.setAutoCommit(true);
            }
            return work.run(connection);
        } catch (SQLException e) {
            close();
            throw new IOException("dead-letter table " + table + ": " + e.getMessage(), e);
        }
    }

    private static ChangeEvent decode(byte[] bytes) throws SQLException {
        try {
            return DeadLetterEncoding.decode(bytes);
        } catch (IOException e) {
            throw new SQLException(e.getMessage(), e);
        }
    }
}
