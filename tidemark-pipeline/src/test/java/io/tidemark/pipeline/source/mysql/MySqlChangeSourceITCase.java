package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.testing.MariaDbTestServer;

import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The positions the MySQL source gives its changes, checked against the server's own binlog: every
 * streamed row change lies inside the binlog event that carries it, positions strictly increase in
 * binlog order (rows of one event, events of one transaction, transactions), and every snapshot row
 * lies below the changes streamed after the snapshot. The sinks' exactly-once effect rests on this.
 */
class MySqlChangeSourceITCase {

    private static final int SNAPSHOT_ROWS = 3_000;

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder()
                    .setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(2)
                    .build());

    private final MariaDbTestServer mariadb = MariaDbTestServer.get();

    @Test
    void positionsFollowTheBinlogAndSnapshotRowsLieBelowLaterChanges() throws Exception {
        String db = mariadb.createDatabase("src_positions");
        mariadb.execute(db, "CREATE TABLE items (id INT PRIMARY KEY, v INT NOT NULL, pad VARCHAR(40))",
                "INSERT INTO items (id, v) SELECT seq, 0 FROM seq_1_to_" + SNAPSHOT_ROWS);
        MySqlChangeSource source = new MySqlChangeSource(new MySqlSourceDef("127.0.0.1", mariadb.port(),
                MariaDbTestServer.USER, Secret.literal(MariaDbTestServer.PASSWORD), List.of(db + ".items"),
                "5421-5422", "UTC", 1_000, StartupMode.INITIAL));
        source.prepare();

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.enableCheckpointing(500);
        try (CloseableIterator<ChangeEvent> events = source.createStream(env, "source").executeAndCollect()) {
            List<ChangeEvent> sweeps = new ArrayList<>();
            List<ChangeEvent> snapshot = take(events, SNAPSHOT_ROWS, sweeps);
            assertThat(snapshot).allSatisfy(e -> assertThat(e.operation()).isEqualTo(ChangeOperation.SNAPSHOT));
            // each chunk ends with its sweep, at the chunk's high watermark: the position of its rows
            assertThat(sweeps).isNotEmpty().allSatisfy(sweep -> assertThat(snapshot)
                    .anySatisfy(row -> assertThat(row.position()).isEqualTo(sweep.position())));

            String[] binlogEnd = binlogEnd(db); // the shared server's binlog holds other tests' events too
            mariadb.execute(db,
                    // one statement, many rows: rows events of several rows each
                    "INSERT INTO items (id, v, pad) SELECT " + SNAPSHOT_ROWS + " + seq, 1, REPEAT('x', 40)"
                            + " FROM seq_1_to_500",
                    "UPDATE items SET v = v + 1 WHERE id <= 2000",
                    "DELETE FROM items WHERE id > 3400");
            try (Connection c = mariadb.connect(db); Statement st = c.createStatement()) {
                c.setAutoCommit(false); // one transaction, several events
                st.execute("UPDATE items SET v = 10 WHERE id = 1");
                st.execute("UPDATE items SET v = 11 WHERE id = 1");
                st.execute("DELETE FROM items WHERE id = 2");
                st.execute("INSERT INTO items (id, v) VALUES (2, 12)");
                c.commit();
            }
            int streamedCount = 500 + 2000 + 100 + 4;
            List<ChangeEvent> streamed = take(events, streamedCount, sweeps);

            long highestSnapshot = snapshot.stream().mapToLong(e -> e.position().value()).max().orElseThrow();
            assertThat(streamed).allSatisfy(e -> {
                assertThat(e.operation()).isNotEqualTo(ChangeOperation.SNAPSHOT);
                assertThat(e.position().value()).isGreaterThan(highestSnapshot);
            });
            for (int i = 1; i < streamed.size(); i++) {
                assertThat(streamed.get(i).position().value())
                        .as("position of streamed change %d after %d", i, i - 1)
                        .isGreaterThan(streamed.get(i - 1).position().value());
            }
            NavigableMap<Long, RowsEvent> rowsEvents = rowsEventsSince(db, binlogEnd[0], Long.parseLong(binlogEnd[1]));
            long fileNumber = BinlogPositions.fileNumber(binlogEnd[0]);
            for (ChangeEvent e : streamed) {
                long offset = e.position().value() & BinlogPositions.MAX_OFFSET;
                assertThat(e.position().value() >>> BinlogPositions.OFFSET_BITS).isEqualTo(fileNumber);
                Map.Entry<Long, RowsEvent> event = rowsEvents.lowerEntry(offset);
                assertThat(event).as("an event starting below %s", BinlogPositions.describe(e.position().value()))
                        .isNotNull();
                assertThat(event.getValue().type()).as("event at %d", event.getKey()).contains("_rows");
                assertThat(offset).as("position inside the event at %d", event.getKey())
                        .isLessThan(event.getValue().end());
            }
            // the last four changes are the transaction's, in its order
            assertThat(streamed.subList(streamedCount - 4, streamedCount)).extracting(ChangeEvent::operation)
                    .containsExactly(ChangeOperation.UPDATE, ChangeOperation.UPDATE, ChangeOperation.DELETE,
                            ChangeOperation.INSERT);
        }
    }

    /** The next {@code count} row changes; the chunk sweeps among them go to {@code sweeps}. */
    private static List<ChangeEvent> take(CloseableIterator<ChangeEvent> events, int count, List<ChangeEvent> sweeps) {
        List<ChangeEvent> taken = new ArrayList<>();
        while (taken.size() < count) {
            ChangeEvent event = events.next();
            (event.operation() == ChangeOperation.SWEEP ? sweeps : taken).add(event);
        }
        return taken;
    }

    /** File and offset where the server's binlog ends now. */
    private String[] binlogEnd(String db) throws Exception {
        try (Connection c = mariadb.connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW MASTER STATUS")) {
            rs.next();
            return new String[] {rs.getString("File"), rs.getString("Position")};
        }
    }

    /** One binlog event: its type and where the next one starts. */
    private record RowsEvent(String type, long end) {}

    /** The binlog events of {@code file} from {@code offset} on, by start offset. */
    private NavigableMap<Long, RowsEvent> rowsEventsSince(String db, String file, long offset) throws Exception {
        NavigableMap<Long, RowsEvent> events = new TreeMap<>();
        try (Connection c = mariadb.connect(db); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW BINLOG EVENTS IN '" + file + "' FROM " + offset)) {
            while (rs.next()) {
                events.put(rs.getLong("Pos"), new RowsEvent(rs.getString("Event_type"), rs.getLong("End_log_pos")));
            }
        }
        return events;
    }
}
