package io.tidemark.pipeline.source.mysql;

/**
 * Encodes a place in a MySQL or MariaDB binary log as one long that orders every change of the
 * server, so that sinks can compare positions of binlog changes as they compare PostgreSQL LSNs.
 *
 * <p>The high 27 bits hold the binlog file's sequence number ({@code binlog.000042} is 42), the
 * low 36 bits an offset in that file. A changed row at event offset {@code e} with row index
 * {@code r} is encoded as {@code e + r + 1}: each row of an event takes at least one byte of it,
 * so this stays below the next event's offset and rows of one event keep their order. A snapshot
 * chunk's high watermark, the binlog end {@code h} read when the chunk was taken, is encoded as
 * {@code h} itself: every change written before it encodes below {@code h}, every change after it
 * above. The encoding breaks if the server's binlog numbering is reset ({@code RESET MASTER}) or
 * if the job moves to another server whose binlog differs (failover): both need a new snapshot.
 */
public final class BinlogPositions {

    static final int OFFSET_BITS = 36;
    static final long MAX_OFFSET = (1L << OFFSET_BITS) - 1;
    static final long MAX_FILE_NUMBER = (1L << (63 - OFFSET_BITS)) - 1;

    private BinlogPositions() {}

    /**
     * The position of row {@code row} of the event that starts at {@code eventOffset}. Fails naming the server
     * setting if the offset is negative: Debezium takes an event's start as its end_log_pos minus its length, and
     * MariaDB 11.4 and later write end_log_pos 0 inside transactions while binlog_legacy_event_pos is OFF.
     */
    public static long ofRow(String file, long eventOffset, long row) {
        if (eventOffset < 0) {
            throw new IllegalStateException("source: a change in binlog " + file + " has no position: the server"
                    + " wrote end_log_pos 0 into its event (MariaDB 11.4 and later do inside transactions while"
                    + " binlog_legacy_event_pos is OFF); run SET GLOBAL binlog_legacy_event_pos = ON, set it on in the"
                    + " server's configuration, and start the pipeline anew with a snapshot");
        }
        if (row < 0) {
            throw new IllegalArgumentException("row index " + row + " of " + file + ":" + eventOffset + " is negative");
        }
        return encode(file, eventOffset + row + 1);
    }

    /** The position of a binlog end read with SHOW MASTER STATUS, such as a chunk's high watermark. */
    public static long ofEnd(String file, long offset) {
        return encode(file, offset);
    }

    /** The binlog file's sequence number and offset, as in {@code 42:1234} ({@code binlog.000042} at 1234). */
    public static String describe(long position) {
        return (position >>> OFFSET_BITS) + ":" + (position & MAX_OFFSET);
    }

    private static long encode(String file, long offset) {
        if (offset < 0 || offset > MAX_OFFSET) {
            throw new IllegalArgumentException("binlog offset " + offset + " in " + file + " is outside 0.." + MAX_OFFSET);
        }
        return (fileNumber(file) << OFFSET_BITS) | offset;
    }

    /** The sequence number at the end of a binlog file name, such as 42 for {@code mysql-bin.000042}. */
    static long fileNumber(String file) {
        int dot = file == null ? -1 : file.lastIndexOf('.');
        if (dot < 0 || dot == file.length() - 1) {
            throw new IllegalArgumentException("binlog file name " + file + " does not end in .<number>");
        }
        long number;
        try {
            number = Long.parseLong(file.substring(dot + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("binlog file name " + file + " does not end in .<number>", e);
        }
        if (number < 0 || number > MAX_FILE_NUMBER) {
            throw new IllegalArgumentException("binlog file number of " + file + " is outside 0.." + MAX_FILE_NUMBER);
        }
        return number;
    }
}
