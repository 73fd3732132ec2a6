package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * A PostgreSQL sink: a fresh database on the bench's server holding an empty {@code orders} table,
 * read over JDBC. Its checksum is one aggregate query, so the window ends only once it matches.
 */
final class PostgresSinkSide implements SinkSide {

    private final BenchPostgres pg;
    private final String database;
    private final Connection connection;

    private PostgresSinkSide(BenchPostgres pg, String database, Connection connection) {
        this.pg = pg;
        this.database = database;
        this.connection = connection;
    }

    /** Creates the database {@code prefix_sink_N} with an empty {@code orders} table. */
    static PostgresSinkSide create(BenchPostgres pg, String prefix) throws SQLException {
        String database = pg.createDatabase(prefix + "_sink");
        OrdersTable.createSink(pg, database);
        return new PostgresSinkSide(pg, database, pg.connect(database));
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
        return OrdersTable.checksum(connection);
    }

    @Override
    public String sourceChecksum(Connection source) throws SQLException {
        return OrdersTable.checksum(source);
    }

    @Override
    public boolean checksumInWindow() {
        return true;
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
