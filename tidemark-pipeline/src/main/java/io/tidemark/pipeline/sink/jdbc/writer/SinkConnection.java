package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.SimpleCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;

/**
 * The one connection of a {@link BatchApplier}, with the statements prepared on it: opened when
 * first needed, without auto-commit, and thrown away after any error, so that a retry starts on a
 * fresh connection. {@link #withRetries} runs a unit of work again after transient errors (the
 * dialect's, plus the codes configured in {@code dead-letter-queue.transient-errors}) with
 * exponential backoff, and rethrows everything else.
 */
final class SinkConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkConnection.class);

    /** Work on the connection that may be tried again. */
    @FunctionalInterface
    interface SqlAction<T> {
        T run() throws SQLException;
    }

    private final JdbcConnectionFactory connections;
    private final SinkDialect dialect;
    private final Map<TableId, TableId> sinkTables;
    private final int maxRetries;
    private final Set<String> transientCodes;
    private Connection connection;
    /** The statements of the open connection; null when none is open. */
    private BatchStatements statements;
    private PreparedStatement progressUpsert;
    private Counter retries = new SimpleCounter();
    /** The server's id of the open connection's session; -1 when none is open. */
    private volatile long sessionId = -1;
    /** Set once {@link #endSessionFromOutside} ran: no retry, no new connection after it. */
    private volatile boolean ended;

    SinkConnection(JdbcConnectionFactory connections, SinkDialect dialect, Map<TableId, TableId> sinkTables,
            int maxRetries, Set<String> transientCodes) {
        this.connections = connections;
        this.dialect = dialect;
        this.sinkTables = sinkTables;
        this.maxRetries = maxRetries;
        this.transientCodes = transientCodes;
    }

    /** Where retries after transient errors are counted (a metric of the writer). */
    void countRetriesIn(Counter counter) {
        this.retries = counter;
    }

    /** The open connection, opened now if there is none. */
    Connection get() throws SQLException {
        if (ended) {
            throw new SQLException("the sink connection was closed with its writer");
        }
        if (connection == null) {
            Connection opened = connections.open(dialect);
            try (Statement st = opened.createStatement(); ResultSet rs = st.executeQuery(dialect.sessionId())) {
                rs.next();
                sessionId = rs.getLong(1);
            } catch (SQLException e) {
                opened.close();
                throw e;
            }
            connection = opened;
            connection.setAutoCommit(false);
            statements = new BatchStatements(connection, dialect, sinkTables);
            progressUpsert = connection.prepareStatement(dialect.upsertProgress());
        }
        return connection;
    }

    /** The batch statements of the open connection (after {@link #get()}). */
    BatchStatements statements() {
        return statements;
    }

    /** The progress record's upsert on the open connection (after {@link #get()}). */
    PreparedStatement progressUpsert() {
        return progressUpsert;
    }

    <T> T withRetries(String what, SqlAction<T> action) throws SQLException {
        long backoffMillis = 200;
        for (int attempt = 0; ; attempt++) {
            try {
                return action.run();
            } catch (SQLException e) {
                rollbackAndClose();
                if (ended || !isTransient(e) || attempt >= maxRetries) {
                    throw e;
                }
                retries.inc();
                LOG.warn("Transient error in {} (attempt {} of {}), retrying in {} ms: {}",
                        what, attempt + 1, maxRetries, backoffMillis, e.getMessage());
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("interrupted while retrying " + what, e);
                }
                backoffMillis = Math.min(backoffMillis * 2, 10_000);
            }
        }
    }

    /** The dialect's transient errors, plus the codes configured in dead-letter-queue.transient-errors. */
    boolean isTransient(SQLException error) {
        if (dialect.isTransient(error)) {
            return true;
        }
        if (transientCodes.isEmpty()) {
            return false;
        }
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                for (SQLException e = sql; e != null; e = e.getNextException()) {
                    if ((e.getSQLState() != null && transientCodes.contains(e.getSQLState()))
                            || transientCodes.contains(Integer.toString(e.getErrorCode()))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /**
     * Ends the open connection's session from another connection, which rolls back its transaction, and
     * refuses further work: for a writer that closes while this connection's thread waits on the server
     * (a row lock, a long statement), where an interrupt does not reach it and closing the JDBC connection
     * either waits for it (MariaDB Connector/J) or leaves the server session waiting with what it already
     * wrote locked (PostgreSQL). Called from another thread than the one using the connection.
     */
    void endSessionFromOutside() {
        ended = true;
        long id = sessionId;
        if (id < 0) {
            return;
        }
        try (Connection other = connections.open(dialect); Statement st = other.createStatement()) {
            st.execute(dialect.endSession(id));
            LOG.info("Ended sink session {}, still busy on the server when its writer closed", id);
        } catch (SQLException e) {
            LOG.warn("Could not end sink session {}, still busy on the server when its writer closed: {}", id,
                    e.getMessage());
        }
    }

    private void rollbackAndClose() {
        if (connection == null) {
            return;
        }
        try {
            connection.rollback();
        } catch (SQLException ignored) {
            // the connection may be gone already
        }
        close();
    }

    @Override
    public void close() {
        if (statements != null) {
            statements.close();
            statements = null;
        }
        sessionId = -1;
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing more to do with a broken connection
            }
            connection = null;
        }
    }
}
