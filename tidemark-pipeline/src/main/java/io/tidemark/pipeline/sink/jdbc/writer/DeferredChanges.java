package io.tidemark.pipeline.sink.jdbc.writer;

import io.tidemark.pipeline.dlq.RejectedChanges;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeEventSerializer;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.RowValues;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * Changes that a sink in apply-order source puts aside while it catches up after the initial
 * snapshot, and tries again after every batch.
 *
 * <p>Flink CDC reads the snapshot chunk by chunk, each chunk as of its own high watermark, and
 * only then streams the changes in between. Until the stream has passed the highest of those
 * watermarks the sink holds rows from different moments, which the source never held together:
 * a purchase may arrive before its customer's chunk, an email may still sit on the row it moved
 * away from. A unique or foreign key of the sink then refuses rows that are perfectly valid. Such
 * a refusal, for a change at or below the highest snapshot position applied, is not a rejection:
 * the change is kept in {@code _tidemark_deferred} (in the sink's database, so a restore keeps it
 * too) and applied as soon as the constraint lets it, or dropped once the sink holds its row at a
 * newer position. A deferred change still refused once the sink has applied changes beyond that
 * position is a real rejection and goes to the dead-letter queue.
 */
final class DeferredChanges {

    private static final Logger LOG = LoggerFactory.getLogger(DeferredChanges.class);

    /** One change put aside. */
    record Entry(String id, ChangeEvent change) {}

    private final SinkDialect dialect;
    private final String pipeline;
    private final String sink;
    private final List<Entry> entries = new ArrayList<>();
    /** The highest position of a snapshot row this sink has applied or put aside: where catching up ends. */
    private long snapshotPosition = -1;

    DeferredChanges(SinkDialect dialect, String pipeline, String sink) {
        this.dialect = dialect;
        this.pipeline = pipeline;
        this.sink = sink;
    }

    /** Reads the changes put aside and the snapshot position from the sink; when the writer starts. */
    void load(Connection c) throws SQLException {
        entries.clear();
        try (PreparedStatement ps = c.prepareStatement(dialect.selectSnapshotPosition())) {
            ps.setString(1, pipeline);
            ps.setString(2, sink);
            try (ResultSet rs = ps.executeQuery()) {
                snapshotPosition = rs.next() ? rs.getLong(1) : -1;
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT id, event FROM " + dialect.deferredTable()
                + " WHERE pipeline = ? AND sink = ? ORDER BY pos")) {
            ps.setString(1, pipeline);
            ps.setString(2, sink);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    entries.add(new Entry(rs.getString(1), decode(rs.getBytes(2))));
                }
            }
        }
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The changes put aside, in source position order. */
    List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Whether a refusal of {@code change} may be the snapshot's transient inconsistency rather than a rejection. */
    boolean mayDefer(ChangeEvent change) {
        return change.operation() == ChangeOperation.SNAPSHOT || change.position().value() <= snapshotPosition;
    }

    /**
     * Tries the changes put aside while catching up after the snapshot: each is applied once its
     * constraint lets it, dropped once the sink holds its row at a newer position, and treated as a
     * rejection once the sink has caught up and still refuses it.
     */
    void retry(BatchApplier applier, RejectedChanges rejected, long appliedUpTo) throws SQLException {
        for (Entry entry : entries()) {
            try {
                applier.replay(entry.change());
            } catch (SQLException e) {
                if (applier.isTransient(e) || e instanceof WriterFence.WriterFencedException || !dialect.isConstraintViolation(e)) {
                    throw e;
                }
                if (!caughtUpAt(appliedUpTo)) {
                    continue; // still catching up: the constraint may let it pass after the next batch
                }
                LOG.warn("Sink still refuses {} after catching up with the snapshot ({}); it is a rejection",
                        entry.change(), RejectedChanges.errorClass(e));
                if (rejected == null) {
                    throw e;
                }
                BatchApplier.queue(() -> rejected.reject(entry.change(), e, 1, Instant.now()));
            }
            applier.inTransaction("forget a deferred change", c -> {
                remove(c, entry);
                return null;
            });
            removed(entry);
        }
    }

    /** Whether the sink has caught up: it applied a change beyond every snapshot position. */
    boolean caughtUpAt(long appliedPosition) {
        return appliedPosition > snapshotPosition;
    }

    /** Inside a batch's transaction: raises the stored snapshot position to the batch's snapshot rows. */
    void recordSnapshotRows(Connection c, ChangeBatch batch) throws SQLException {
        long highest = -1;
        for (ChangeEvent change : batch.changes()) {
            if (change.operation() == ChangeOperation.SNAPSHOT) {
                highest = Math.max(highest, change.position().value());
            }
        }
        if (highest > snapshotPosition) {
            recordSnapshotPosition(c, highest);
        }
    }

    private void recordSnapshotPosition(Connection c, long position) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(dialect.recordSnapshotPosition())) {
            ps.setLong(1, position);
            ps.setString(2, pipeline);
            ps.setString(3, sink);
            ps.executeUpdate();
        }
    }

    /** Inside a transaction: puts {@code change} aside; call {@link #added} once it committed. */
    Entry defer(Connection c, ChangeEvent change, SQLException why) throws SQLException {
        Entry entry = new Entry(id(change), change);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + dialect.deferredTable()
                + " (id, pipeline, sink, pos, event, error) VALUES (?, ?, ?, ?, ?, ?)" + dialect.onConflictDoNothing("id"))) {
            ps.setString(1, entry.id());
            ps.setString(2, pipeline);
            ps.setString(3, sink);
            ps.setLong(4, change.position().value());
            ps.setBytes(5, encode(change));
            ps.setString(6, why.getSQLState() + " " + String.valueOf(why.getMessage()).lines().findFirst().orElse(""));
            ps.executeUpdate();
        }
        if (change.operation() == ChangeOperation.SNAPSHOT && change.position().value() > snapshotPosition) {
            recordSnapshotPosition(c, change.position().value());
        }
        return entry;
    }

    /** After {@link #defer}'s transaction committed. */
    void added(Entry entry) {
        if (absent(entry)) {
            entries.add(entry);
            entries.sort(Comparator.comparingLong(e -> e.change().position().value()));
        }
        if (entry.change().operation() == ChangeOperation.SNAPSHOT) {
            snapshotPosition = Math.max(snapshotPosition, entry.change().position().value());
        }
    }

    private boolean absent(Entry entry) {
        return entries.stream().noneMatch(e -> e.id().equals(entry.id()));
    }

    /** Inside a transaction: forgets an entry (applied, or superseded, or sent to the dead-letter queue). */
    void remove(Connection c, Entry entry) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + dialect.deferredTable() + " WHERE id = ?")) {
            ps.setString(1, entry.id());
            ps.executeUpdate();
        }
    }

    /** After {@link #remove}'s transaction committed. */
    void removed(Entry entry) {
        entries.removeIf(e -> e.id().equals(entry.id()));
    }

    private String id(ChangeEvent change) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(pipeline, sink, change.table().toString(),
                    RowValues.keyString(change.keyValues()), Long.toString(change.position().value()))) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static byte[] encode(ChangeEvent change) throws SQLException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        try {
            ChangeEventSerializer.INSTANCE.serialize(change, out);
        } catch (IOException e) {
            throw new SQLException("cannot encode a deferred change: " + e.getMessage(), e);
        }
        return out.getCopyOfBuffer();
    }

    private static ChangeEvent decode(byte[] bytes) throws SQLException {
        try {
            return ChangeEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(bytes));
        } catch (IOException e) {
            throw new SQLException("cannot decode a deferred change: " + e.getMessage(), e);
        }
    }
}
