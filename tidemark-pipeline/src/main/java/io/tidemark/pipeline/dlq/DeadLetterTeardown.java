package io.tidemark.pipeline.dlq;

import io.tidemark.pipeline.config.DeadLetterQueueDef;
import io.tidemark.pipeline.config.DeadLetterQueueType;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.teardown.TeardownStep;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The dead-letter entries of one sink of a pipeline that is dropped, where the queue is not in the
 * sink's own database ({@code JdbcSinkTeardown} handles that one): a queue database of its own, or a
 * Kafka topic. The entries stay unless asked for; the queue's table stays in any case, since other
 * pipelines may queue into it without an entry yet.
 */
public final class DeadLetterTeardown {

    private final String pipeline;
    private final String sink;
    private final DeadLetterQueueDef def;
    private final boolean include;

    public DeadLetterTeardown(String pipeline, String sink, DeadLetterQueueDef def, boolean include) {
        this.pipeline = pipeline;
        this.sink = sink;
        this.def = def;
        this.include = include;
    }

    /** What would happen to the entries: nothing to say, kept, or deleted. */
    public List<TeardownStep> plan() throws SQLException {
        return run(false);
    }

    /** Deletes the entries if asked for; what was done. */
    public List<TeardownStep> execute() throws SQLException {
        return run(true);
    }

    private List<TeardownStep> run(boolean execute) throws SQLException {
        if (def.type() == DeadLetterQueueType.KAFKA) {
            return List.of(TeardownStep.keep("dead letters in Kafka topic " + def.kafka().topic(), null,
                    "Tidemark does not delete from Kafka; the topic's retention does"));
        }
        if (def.type() != DeadLetterQueueType.JDBC || def.url() == null) {
            return List.of();
        }
        JdbcConnectionFactory connections = new JdbcConnectionFactory(def.url(), def.username(), def.password());
        SinkDialect dialect = SinkDialect.forUrl(def.url());
        String object = def.table() + " in " + def.url().replaceFirst("\\?.*$", "");
        try (Connection c = connections.open(dialect)) {
            String where = " FROM " + def.table() + " WHERE pipeline = ? AND sink = ?";
            long rows;
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*)" + where)) {
                ps.setString(1, pipeline);
                ps.setString(2, sink);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    rows = rs.getLong(1);
                }
            } catch (SQLException e) {
                if (dialect.isMissingTable(e)) {
                    return List.of();
                }
                throw e;
            }
            if (rows == 0) {
                return List.of();
            }
            if (!include) {
                return List.of(TeardownStep.keep(object, rows,
                        "dead letters, changes the sink never applied, stay unless --include-dead-letters"));
            }
            if (execute) {
                try (PreparedStatement ps = c.prepareStatement("DELETE" + where)) {
                    ps.setString(1, pipeline);
                    ps.setString(2, sink);
                    rows = ps.executeUpdate();
                }
            }
            return List.of(TeardownStep.delete(object, rows));
        } catch (SQLException e) {
            throw new SQLException("dead-letter-queue: cannot clear sink " + sink + "'s entries in "
                    + connections.describe() + ": " + String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
                    e.getSQLState(), e.getErrorCode(), e);
        }
    }
}
