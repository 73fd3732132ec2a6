package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL sink: a fresh database on the bench's server holding an empty {@code orders} table,
 * read over JDBC. Its checksum is one aggregate query, so the window ends only once it matches.
 * Fed from a MariaDB source, it uses the checksum both databases compute alike
 * ({@link OrdersTable#portableChecksum}); from PostgreSQL, PostgreSQL's cheaper own one.
 */
final class PostgresSinkSide implements SinkSide {

    private final BenchPostgres pg;
    private final String database;
    private final Connection connection;
    private final boolean portable;

    private PostgresSinkSide(BenchPostgres pg, String database, Connection connection, boolean portable) {
        this.pg = pg;
        this.database = database;
        this.connection = connection;
        this.portable = portable;
    }

    /** Creates the database {@code prefix_sink_N} with an empty {@code orders} table, for a PostgreSQL source. */
    static PostgresSinkSide create(BenchPostgres pg, String prefix) throws SQLException {
        return create(pg, prefix, false);
    }

    /** As {@link #create(BenchPostgres, String)}, for a MariaDB source. */
    static PostgresSinkSide fromMariaDb(BenchPostgres pg, String prefix) throws SQLException {
        return create(pg, prefix, true);
    }

    private static PostgresSinkSide create(BenchPostgres pg, String prefix, boolean portable) throws SQLException {
        String database = pg.createDatabase(prefix + "_sink");
        OrdersTable.createSink(pg, database);
        Connection connection = pg.connect(database);
        try (Statement st = connection.createStatement()) {
            // the bench's polling must not take both cores for a parallel count of a large table
            st.execute("SET max_parallel_workers_per_gather = 0");
        }
        return new PostgresSinkSide(pg, database, connection, portable);
    }

    String database() {
        return database;
    }

    /** The database's JDBC URL, without credentials. */
    String jdbcUrl() {
        return pg.jdbcUrl(database);
    }

    @Override
    public long rows() throws SQLException {
        return OrdersTable.count(connection);
    }

    @Override
    public String markerStatus() throws SQLException {
        return OrdersTable.markerStatus(connection);
    }

    @Override
    public String checksum() throws SQLException {
        return portable ? OrdersTable.portableChecksum(connection) : OrdersTable.checksum(connection);
    }

    @Override
    public String sourceChecksum(Connection source) throws SQLException {
        return portable ? OrdersTable.portableChecksum(source) : OrdersTable.checksum(source);
    }

    @Override
    public boolean checksumInWindow() {
        return true;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }

    @Override
    public void release() {
        pg.dropDatabaseQuietly(database);
    }
}
