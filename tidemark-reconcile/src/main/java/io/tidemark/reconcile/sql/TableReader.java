package io.tidemark.reconcile.sql;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs one side's {@link SideQueries} and reads their results: what the comparison of a table asks
 * one database. Counts the statements and the rows it downloads, which the report shows (a
 * comparison of equal tables downloads no rows at all when their key is an integer).
 */
public final class TableReader {

    private static final int KEYS_PER_STATEMENT = 200;

    private final DatabaseSide side;
    private final SideQueries queries;
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong rowsRead = new AtomicLong();

    public TableReader(DatabaseSide side, SideQueries queries) {
        this.side = side;
        this.queries = queries;
    }

    public DatabaseSide side() {
        return side;
    }

    /** A key range's rows: how many, and the sum of their digests. */
    public record Checksum(long rows, BigDecimal sum) {
        public static final Checksum EMPTY = new Checksum(0, BigDecimal.ZERO);

        public boolean matches(Checksum other) {
            return rows == other.rows && sum.compareTo(other.sum) == 0;
        }
    }

    /** One row as read: its key as canonical texts (the identity both sides share), its key values, and a payload. */
    public record KeyedRow<T>(List<String> key, Object[] keyValues, T payload) {}

    /** The smallest and largest value of the key's first column, or null if the table is empty. */
    public BigInteger[] keyBounds() throws SQLException {
        try (PreparedStatement ps = prepare(queries.keyBounds()); ResultSet rs = ps.executeQuery()) {
            rs.next();
            String min = rs.getString(1);
            return min == null ? null : new BigInteger[] {new BigInteger(min), new BigInteger(rs.getString(2))};
        }
    }

    /** The checksum of each non-empty segment of {@code width} keys in [lo, hi), by segment number. */
    public Map<Long, Checksum> segmentChecksums(BigInteger lo, BigInteger hi, BigInteger width) throws SQLException {
        Map<Long, Checksum> segments = new HashMap<>();
        try (PreparedStatement ps = prepare(queries.segmentChecksums(lo, hi, width)); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                segments.put(rs.getLong(1), new Checksum(rs.getLong(2), rs.getBigDecimal(3)));
            }
        }
        return segments;
    }

    /** The digest of each row in [lo, hi), or of every row if {@code lo} is null, by key. */
    public Map<List<String>, KeyedRow<String>> digests(BigInteger lo, BigInteger hi) throws SQLException {
        Map<List<String>, KeyedRow<String>> rows = new HashMap<>();
        int keySize = queries.keySize();
        try (PreparedStatement ps = prepare(queries.digests(lo, hi))) {
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    KeyedRow<String> row = keyed(rs, keySize, rs.getString(2 * keySize + 1));
                    rows.put(row.key(), row);
                }
            }
        }
        rowsRead.addAndGet(rows.size());
        return rows;
    }

    /** Every row with every column's canonical text, one by one. */
    public void allRows(Consumer<KeyedRow<List<String>>> consumer) throws SQLException {
        int keySize = queries.keySize();
        side.connection().setAutoCommit(false); // PostgreSQL streams a result set only inside a transaction
        try (PreparedStatement ps = prepare(queries.allRows())) {
            ps.setFetchSize(10_000);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    consumer.accept(keyed(rs, keySize, values(rs, 2 * keySize + 1)));
                    rowsRead.incrementAndGet();
                }
            }
        } finally {
            side.connection().commit();
            side.connection().setAutoCommit(true);
        }
    }

    /** The rows with the given key values (each in key order), with every column's canonical text, by key. */
    public Map<List<String>, KeyedRow<List<String>>> rowsByKey(List<Object[]> keyValues) throws SQLException {
        Map<List<String>, KeyedRow<List<String>>> rows = new HashMap<>();
        int keySize = queries.keySize();
        for (int from = 0; from < keyValues.size(); from += KEYS_PER_STATEMENT) {
            List<Object[]> batch = keyValues.subList(from, Math.min(keyValues.size(), from + KEYS_PER_STATEMENT));
            try (PreparedStatement ps = prepare(queries.rowsByKey(batch.size()))) {
                int parameter = 1;
                for (Object[] key : batch) {
                    for (Object value : key) {
                        ps.setObject(parameter++, bindable(value));
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        KeyedRow<List<String>> row = keyed(rs, keySize, values(rs, 2 * keySize + 1));
                        rows.put(row.key(), row);
                    }
                }
            }
        }
        rowsRead.addAndGet(rows.size());
        return rows;
    }

    public long statements() {
        return statements.get();
    }

    public long rowsRead() {
        return rowsRead.get();
    }

    private List<String> values(ResultSet rs, int first) throws SQLException {
        List<String> values = new ArrayList<>(queries.columnCount());
        for (int i = 0; i < queries.columnCount(); i++) {
            values.add(rs.getString(first + i));
        }
        return values;
    }

    private static <T> KeyedRow<T> keyed(ResultSet rs, int keySize, T payload) throws SQLException {
        String[] key = new String[keySize];
        Object[] keyValues = new Object[keySize];
        for (int i = 0; i < keySize; i++) {
            key[i] = rs.getString(1 + i);
            keyValues[i] = rs.getObject(1 + keySize + i);
        }
        return new KeyedRow<>(Arrays.asList(key), keyValues, payload);
    }

    /**
     * A key value read from one database, bound in another: numbers, text, bytes and times travel as
     * they are; anything else (a PostgreSQL uuid or enum) as its text, which both databases convert
     * to the column's type.
     */
    private static Object bindable(Object value) {
        if (value == null || value instanceof Number || value instanceof String || value instanceof byte[]
                || value instanceof Boolean || value instanceof java.util.Date || value instanceof java.time.temporal.Temporal) {
            return value;
        }
        if (value instanceof UUID uuid) {
            return uuid.toString();
        }
        return value.toString();
    }

    private PreparedStatement prepare(String sql) throws SQLException {
        statements.incrementAndGet();
        return side.connection().prepareStatement(sql);
    }
}
