package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.event.TableId;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds {@code TRUNCATE TABLE} statements of captured tables in a MySQL or MariaDB binary log.
 *
 * <p>A truncate reaches the binlog as a statement (a Query event), never as rows, and Flink CDC
 * 3.5's MySQL source (Debezium 1.9) turns it into no record at all: without this scanner a sink
 * would keep every truncated row. The scanner reads the events' metadata with {@code SHOW BINLOG
 * EVENTS}, ahead of the stream the source reads, and reports each truncate once the stream has
 * passed its position, so that it can be put into the stream exactly where it happened.
 *
 * <p>On the way it stops the job at the first compressed event (see {@link #isCompressed}): Flink
 * CDC's binlog reader skips those without a word, with every change in them.
 */
final class BinlogTruncateScanner implements AutoCloseable {

    /** One truncate found in the binlog. */
    record Truncate(TableId table, String file, long offset) {
        /** The truncate's position: the start of its event, below every row of later events. */
        long position() {
            return BinlogPositions.ofEnd(file, offset);
        }

        @Override
        public String toString() {
            return "binlog " + file + ":" + offset;
        }
    }

    /** How a connection to the server is opened (credentials resolved there, never kept here). */
    @FunctionalInterface
    interface Connector {
        Connection connect() throws SQLException;
    }

    private static final int EVENTS_PER_READ = 10_000;
    /** {@code use `db`; } before the statement: the statement's default database. */
    private static final Pattern USE = Pattern.compile("^use\\s+`((?:[^`]|``)+)`\\s*;\\s*", Pattern.CASE_INSENSITIVE);
    private static final String IDENTIFIER = "(`(?:[^`]|``)+`|[A-Za-z0-9_$\\x{80}-\\x{FFFF}]+)";
    private static final Pattern TRUNCATE = Pattern.compile(
            "^(?:/\\*.*?\\*/\\s*)*TRUNCATE\\s+(?:TABLE\\s+)?" + IDENTIFIER + "(?:\\s*\\.\\s*" + IDENTIFIER + ")?\\s*;?\\s*$",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private final Connector connector;
    private final Set<TableId> captured;
    private final Deque<Truncate> found = new ArrayDeque<>();
    private Connection connection;
    private String file;
    private long offset;
    /** {@code file} and {@code offset} as a {@link BinlogPositions} value: the stream's hot path compares with it. */
    private long scanned;

    /** Scans from {@code file} at {@code offset}, an event boundary (where the stream starts reading). */
    BinlogTruncateScanner(Connector connector, Set<TableId> captured, String file, long offset) {
        this.connector = connector;
        this.captured = captured;
        this.file = file;
        this.offset = offset;
        this.scanned = BinlogPositions.ofEnd(file, offset);
    }

    /**
     * Reads the binlog's events up to {@code position} (a {@link BinlogPositions} value of the
     * stream), unless that part was read already: once per batch of records the source emits, with
     * the batch's last position, so records themselves only look at what was found.
     */
    void scanTo(long position) throws SQLException {
        while (!scannedPast(position)) {
            if (!readMore()) {
                return; // the server has nothing beyond what was read: the stream cannot be ahead of it
            }
        }
    }

    /** Whether a truncate was found that the stream has not passed yet. */
    boolean hasFound() {
        return !found.isEmpty();
    }

    /** The truncates found before {@code position} and not reported yet, in binlog order. */
    List<Truncate> passedBefore(long position) {
        List<Truncate> passed = new ArrayList<>();
        while (!found.isEmpty() && found.peekFirst().position() < position) {
            passed.add(found.pollFirst());
        }
        return passed;
    }

    private boolean scannedPast(long position) {
        return scanned >= position;
    }

    /** Reads the next events; false if there were none. */
    private boolean readMore() throws SQLException {
        if (connection == null || !connection.isValid(2)) {
            closeConnection();
            connection = connector.connect();
        }
        List<String[]> events = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SHOW BINLOG EVENTS IN '" + file.replace("'", "''") + "' FROM " + offset + " LIMIT " + EVENTS_PER_READ);
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                events.add(new String[] {rs.getString("Pos"), rs.getString("Event_type"), rs.getString("End_log_pos"),
                        rs.getString("Info")});
            }
        }
        String nextFile = null;
        long before = offset;
        for (String[] event : events) {
            long start = Long.parseLong(event[0]);
            String type = event[1];
            if (start < offset) {
                continue; // a format description event shown again at the file's start
            }
            if (isCompressed(type)) {
                throw new IllegalStateException("source: the binlog holds a compressed event (" + type + ") at "
                        + file + ":" + start + ", which Flink CDC 3.5 cannot read: the changes in it would be lost"
                        + " without a trace; turn binlog compression off (SET GLOBAL log_bin_compress = OFF on"
                        + " MariaDB, binlog_transaction_compression = OFF on MySQL) and start the pipeline anew"
                        + " with a snapshot");
            }
            if ("Query".equalsIgnoreCase(type) && event[3] != null) {
                TableId table = truncatedTable(event[3]);
                if (table != null && captured.contains(table)) {
                    found.addLast(new Truncate(table, file, start));
                }
            }
            if ("Rotate".equalsIgnoreCase(type) && event[3] != null && start > 4) {
                nextFile = event[3].substring(0, event[3].indexOf(';') < 0 ? event[3].length() : event[3].indexOf(';'));
            }
            long end = Long.parseLong(event[2]);
            offset = Math.max(offset, end);
        }
        if (nextFile != null) {
            file = nextFile;
            offset = 4; // past the magic number
        }
        scanned = BinlogPositions.ofEnd(file, offset);
        return nextFile != null || offset > before;
    }

    /**
     * Whether an event is compressed: MariaDB's {@code *_compressed*} events ({@code log_bin_compress})
     * or MySQL 8's {@code Transaction_payload} ({@code binlog_transaction_compression}). The binlog
     * client of Flink CDC 3.5 skips them, and the changes in them would never arrive.
     */
    static boolean isCompressed(String eventType) {
        String type = eventType.toLowerCase(Locale.ROOT);
        return type.contains("compressed") || type.equals("transaction_payload");
    }

    /** The table a {@code TRUNCATE} statement (as {@code SHOW BINLOG EVENTS} shows it) empties, or null. */
    static TableId truncatedTable(String info) {
        String statement = info.strip();
        String database = null;
        Matcher use = USE.matcher(statement);
        if (use.find()) {
            database = use.group(1).replace("``", "`");
            statement = statement.substring(use.end());
        }
        Matcher truncate = TRUNCATE.matcher(statement);
        if (!truncate.matches()) {
            return null;
        }
        String first = unquote(truncate.group(1));
        String second = truncate.group(2) == null ? null : unquote(truncate.group(2));
        if (second != null) {
            return new TableId(first, second);
        }
        return database == null ? null : new TableId(database, first);
    }

    private static String unquote(String identifier) {
        return identifier.startsWith("`") ? identifier.substring(1, identifier.length() - 1).replace("``", "`")
                : identifier;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // a broken connection is replaced anyway
            }
            connection = null;
        }
    }

    @Override
    public void close() {
        closeConnection();
    }

    @Override
    public String toString() {
        return "truncate scanner at " + file + ":" + offset + " for " + captured.stream().map(TableId::toString)
                .map(t -> t.toLowerCase(Locale.ROOT)).toList();
    }
}
