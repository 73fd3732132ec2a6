package io.tidemark.reconcile;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.SourceDef;
import io.tidemark.pipeline.sink.jdbc.JdbcConnectionFactory;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;
import io.tidemark.pipeline.source.mysql.MySqlConnections;
import io.tidemark.reconcile.sql.DatabaseSide;
import io.tidemark.reconcile.sql.SqlFlavor;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;

/**
 * Opens the databases of a pipeline as the pipeline file describes them, for the tools that read
 * them beside the job (reconcile, schema change): the source and each JDBC sink, named as in the
 * file, with the session settings under which their values are compared. A connection that fails
 * is one line naming the side.
 */
public final class Connections {

    private Connections() {}

    /** The source's database, as {@code source}. */
    public static DatabaseSide source(SourceDef source) throws SQLException {
        if (source instanceof PostgresSourceDef pg) {
            Properties props = new Properties();
            props.setProperty("user", pg.username());
            props.setProperty("password", pg.password().resolve());
            props.setProperty("stringtype", "unspecified");
            props.setProperty("ApplicationName", "tidemark-reconcile");
            Connection connection = connect("source", () -> DriverManager.getConnection(
                    "jdbc:postgresql://" + pg.hostname() + ":" + pg.port() + "/" + pg.database(), props));
            return utc(new DatabaseSide("source", SqlFlavor.POSTGRES, connection));
        }
        MySqlSourceDef my = (MySqlSourceDef) source;
        Connection connection = connect("source", () -> MySqlConnections.open(my));
        return utc(new DatabaseSide("source", SqlFlavor.MYSQL, connection));
    }

    /** A JDBC sink's database, as {@code sinks.NAME}. */
    public static DatabaseSide sink(JdbcSinkDef sink) throws SQLException {
        SinkDialect dialect = SinkDialect.forUrl(sink.url());
        String label = "sinks." + sink.name();
        Connection connection = connect(label, () -> JdbcConnectionFactory.of(sink).open(dialect));
        return utc(new DatabaseSide(label, SqlFlavor.ofUrl(sink.url()), connection));
    }

    /**
     * Instants are compared at UTC on both sides, whatever the servers' time zones; PostgreSQL's own
     * text of a value (used where both sides have the same type) is made independent of the servers'
     * and roles' settings.
     */
    private static final List<String> POSTGRES_SESSION = List.of("SET TIME ZONE 'UTC'", "SET DateStyle = 'ISO, YMD'",
            "SET IntervalStyle = 'postgres'", "SET extra_float_digits = 1", "SET bytea_output = 'hex'");

    private static DatabaseSide utc(DatabaseSide side) throws SQLException {
        try (Statement st = side.connectionForSetup().createStatement()) {
            if (side.flavor() == SqlFlavor.POSTGRES) {
                for (String setting : POSTGRES_SESSION) {
                    st.execute(setting);
                }
            } else {
                st.execute("SET time_zone = '+00:00'");
            }
        } catch (SQLException e) {
            side.close();
            throw e;
        }
        return side;
    }

    private interface Connect {
        Connection open() throws SQLException;
    }

    private static Connection connect(String label, Connect connect) {
        try {
            return connect.open();
        } catch (SQLException e) {
            throw new ReconcileException(label + ": cannot connect (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no message";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
