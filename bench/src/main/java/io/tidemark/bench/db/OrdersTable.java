package io.tidemark.bench.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The bench table, the same on every side: a primary key, text, numeric, timestamp and integer
 * columns, like the order tables Tidemark is built for. The timestamp has no time zone because
 * flink-connector-jdbc 3.3.0 cannot write {@code TIMESTAMP_LTZ} to PostgreSQL. Source tables get {@code REPLICA IDENTITY
 * FULL} (they have text columns); sink tables have the same columns and key.
 */
public final class OrdersTable {

    public static final String NAME = "orders";
    public static final long MARKER_ID = 0L;

    public static final String DDL = "CREATE TABLE orders ("
            + " id BIGINT PRIMARY KEY,"
            + " customer TEXT NOT NULL,"
            + " amount NUMERIC(12, 2) NOT NULL,"
            + " status VARCHAR(16) NOT NULL,"
            + " note TEXT,"
            + " updated_at TIMESTAMP NOT NULL,"
            + " version INT NOT NULL)";

    /** Flink SQL columns matching {@link #DDL}. */
    public static final String FLINK_COLUMNS = "id BIGINT,"
            + " customer STRING,"
            + " amount DECIMAL(12, 2),"
            + " status VARCHAR(16),"
            + " note STRING,"
            + " updated_at TIMESTAMP(6),"
            + " version INT,"
            + " PRIMARY KEY (id) NOT ENFORCED";

    private static final String CHECKSUM = "SELECT count(*) || ':' || coalesce(sum(version), 0) || ':'"
            + " || coalesce(sum(hashtext(id || '|' || customer || '|' || amount || '|' || status || '|'"
            + " || coalesce(note, '') || '|' || updated_at)::bigint), 0) FROM orders";

    private OrdersTable() {}

    public static void createSource(BenchPostgres pg, String database) throws SQLException {
        pg.execute(database, DDL, "ALTER TABLE orders REPLICA IDENTITY FULL");
    }

    public static void createSink(BenchPostgres pg, String database) throws SQLException {
        pg.execute(database, DDL);
    }

    /** Row count, version sum and content hash: equal on both sides means the sink caught up. */
    public static String checksum(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(CHECKSUM)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** The marker row's status, or null while the sink does not have it. */
    public static String markerStatus(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT status FROM orders WHERE id = " + MARKER_ID)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    public static long count(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
