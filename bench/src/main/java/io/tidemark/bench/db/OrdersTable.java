package io.tidemark.bench.db;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

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

    /**
     * The same table on a MySQL or MariaDB source (tidemark-pipeline's {@code ddl/mysql/orders.sql}):
     * MySQL's {@code TIMESTAMP} is the zoned kind, read and written in UTC by the bench.
     */
    public static final String MYSQL_DDL = "CREATE TABLE orders ("
            + " id BIGINT PRIMARY KEY,"
            + " customer TEXT NOT NULL,"
            + " amount DECIMAL(12, 2) NOT NULL,"
            + " status VARCHAR(16) NOT NULL,"
            + " note TEXT,"
            + " updated_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),"
            + " version INT NOT NULL"
            + ") CHARACTER SET utf8mb4";

    /**
     * A checksum that PostgreSQL and MySQL compute alike, to compare a PostgreSQL sink with a MariaDB
     * source: row count, version sum and the sum of the first 32 bits of an MD5 of every row's text
     * (the timestamp formatted the same way on both sides, in UTC).
     */
    private static final String PORTABLE_CHECKSUM_POSTGRES = "SELECT count(*) || ':' || coalesce(sum(version), 0)"
            + " || ':' || coalesce(sum(('x' || substr(md5(id || '|' || customer || '|' || amount || '|' || status"
            + " || '|' || coalesce(note, '') || '|' || to_char(updated_at, 'YYYY-MM-DD HH24:MI:SS.US')), 1, 8))"
            + "::bit(32)::bigint), 0) FROM orders";

    private static final String PORTABLE_CHECKSUM_MYSQL = "SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(version), 0),"
            + " ':', COALESCE(SUM(CAST(CONV(SUBSTR(MD5(CONCAT(id, '|', customer, '|', CAST(amount AS CHAR), '|',"
            + " status, '|', COALESCE(note, ''), '|', DATE_FORMAT(updated_at, '%Y-%m-%d %H:%i:%s.%f'))), 1, 8),"
            + " 16, 10) AS UNSIGNED)), 0)) FROM orders";

    private OrdersTable() {}

    /** Creates the table on a MariaDB source. */
    public static void createMySqlSource(BenchMariaDb mariadb, String database) throws SQLException {
        mariadb.execute(database, MYSQL_DDL);
    }

    /** {@link #checksum} computed so that a PostgreSQL table and a MySQL one of equal rows give the same text. */
    public static String portableChecksum(Connection c) throws SQLException {
        String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
        boolean mysql = product.contains("mysql") || product.contains("maria");
        if (mysql) {
            // a session of the bench's server is in UTC already; say so, as the PostgreSQL side's column has no zone
            try (Statement st = c.createStatement()) {
                st.execute("SET time_zone = '+00:00'");
            }
        }
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(mysql ? PORTABLE_CHECKSUM_MYSQL : PORTABLE_CHECKSUM_POSTGRES)) {
            rs.next();
            return rs.getString(1);
        }
    }

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
