package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.jdbc.JdbcDrivers;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens a plain JDBC connection to the MySQL or MariaDB server of a source, for what Tidemark asks
 * the server itself (the start-up checks, the binlog's truncates, {@code tidemark reconcile}), with
 * the source's TLS mode; the password is resolved here, when connecting, and never kept.
 */
public final class MySqlConnections {

    private MySqlConnections() {}

    public static Connection open(MySqlSourceDef def) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", def.username());
        props.setProperty("password", def.password().resolve());
        props.setProperty("sslMode", def.tls().connectorJMode());
        props.setProperty("allowPublicKeyRetrieval", "true");
        props.setProperty("connectTimeout", "30000");
        return JdbcDrivers.connect("jdbc:mysql://" + def.hostname() + ":" + def.port() + "/", props);
    }
}
