package io.tidemark.bench.phase;

import io.tidemark.bench.db.BenchMariaDb;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * The source side of one run of a job phase: a fresh database holding the {@code orders} table on
 * the bench's PostgreSQL ({@link #postgres}) or MariaDB ({@link #mariaDb}) server, the generator's
 * connection to it, and the clean-up after the run.
 */
interface SourceSide {

    /** Creates a database {@code prefix_N} with an empty {@code orders} table and returns its name. */
    String createOrders(String prefix) throws SQLException;

    /** A connection for the generator, with batched inserts sent as multi-row statements. */
    Connection connect(String database) throws SQLException;

    /**
     * Makes the freshly written {@code orders} table look like a long-lived one before a job reads it:
     * vacuumed (hint bits set, visibility map written) and analyzed, so that no job's first read pays for
     * that, and no autovacuum of it starts in the middle of a measured window.
     */
    void settle(Connection source) throws SQLException;

    /** Frees what a finished run left on the server: its replication slot, its database. */
    void release(String database, String slot);

    static SourceSide postgres(BenchPostgres pg) {
        return new SourceSide() {
            @Override
            public String createOrders(String prefix) throws SQLException {
                String database = pg.createDatabase(prefix);
                OrdersTable.createSource(pg, database);
                return database;
            }

            @Override
            public Connection connect(String database) throws SQLException {
                Properties props = new Properties();
                props.setProperty("reWriteBatchedInserts", "true");
                return pg.connect(database, props);
            }

            @Override
            public void settle(Connection source) throws SQLException {
                boolean autoCommit = source.getAutoCommit();
                source.setAutoCommit(true); // VACUUM cannot run inside a transaction
                try (Statement st = source.createStatement()) {
                    st.execute("VACUUM (ANALYZE) " + OrdersTable.NAME);
                } finally {
                    source.setAutoCommit(autoCommit);
                }
            }

            @Override
            public void release(String database, String slot) {
                pg.dropSlotQuietly(database, slot);
                pg.dropDatabaseQuietly(database);
            }
        };
    }

    static SourceSide mariaDb(BenchMariaDb mariadb) {
        return new SourceSide() {
            @Override
            public String createOrders(String prefix) throws SQLException {
                String database = mariadb.createDatabase(prefix);
                OrdersTable.createMySqlSource(mariadb, database);
                return database;
            }

            @Override
            public Connection connect(String database) throws SQLException {
                Properties props = new Properties();
                props.setProperty("rewriteBatchedStatements", "true");
                return mariadb.connect(database, props);
            }

            @Override
            public void settle(Connection source) throws SQLException {
                try (Statement st = source.createStatement()) {
                    st.execute("ANALYZE TABLE " + OrdersTable.NAME);
                }
            }

            @Override
            public void release(String database, String slot) {
                try {
                    mariadb.execute("", "DROP DATABASE IF EXISTS " + database);
                } catch (SQLException e) {
                    // kept: the server and its data folder go away with the bench
                }
                mariadb.purgeBinaryLogs();
            }
        };
    }
}
