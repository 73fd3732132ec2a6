package io.tidemark.pipeline.sink.jdbc;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.jdbc.JdbcDrivers;
import io.tidemark.pipeline.sink.jdbc.dialect.SinkDialect;

import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Opens connections to a sink database. Holds the password as a {@link Secret} reference and
 * resolves it only when connecting, so it never lands in a log line or an exception message.
 */
public final class JdbcConnectionFactory implements Serializable {

    private static final long serialVersionUID = 1L;

    private final String url;
    private final String username;
    private final Secret password;

    public JdbcConnectionFactory(String url, String username, Secret password) {
        this.url = url;
        this.username = username;
        this.password = password;
    }

    public static JdbcConnectionFactory of(JdbcSinkDef def) {
        return new JdbcConnectionFactory(def.url(), def.username(), def.password());
    }

    public String url() {
        return url;
    }

    /** The URL without its query string, and the user: where a connection goes, for an error's one line. */
    public String describe() {
        return url.replaceFirst("\\?.*$", "") + " as " + username;
    }

    public Connection open(SinkDialect dialect) throws SQLException {
        Properties props = dialect.connectionProperties();
        props.setProperty("user", username);
        props.setProperty("password", password.resolve());
        Connection connection = JdbcDrivers.connect(url, props);
        if (!dialect.sessionSetup().isEmpty()) {
            try (Statement st = connection.createStatement()) {
                for (String sql : dialect.sessionSetup()) {
                    st.execute(sql);
                }
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }
}
