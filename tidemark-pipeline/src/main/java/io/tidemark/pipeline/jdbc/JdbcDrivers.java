package io.tidemark.pipeline.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;

/**
 * Opens JDBC connections through the drivers on Tidemark's own class path. {@link DriverManager}
 * offers only the drivers it found when it was first used, through the class loader of that moment;
 * in a Flink cluster the job jar's drivers live in the user-code class loader, which it never saw,
 * so a MySQL source submitted as the job jar failed at once with "No suitable driver found for
 * jdbc:mysql://…" (found by the chaos run). flink-connector-jdbc avoids DriverManager the same way.
 */
public final class JdbcDrivers {

    private static final List<Driver> DRIVERS = load();

    private JdbcDrivers() {}

    /**
     * A connection from the first of Tidemark's drivers that takes {@code url}; for a URL none of
     * them takes, whatever {@link DriverManager} offers (a driver the user added), with its usual error.
     */
    public static Connection connect(String url, Properties properties) throws SQLException {
        for (Driver driver : DRIVERS) {
            if (driver.acceptsURL(url)) {
                Connection connection = driver.connect(url, properties);
                if (connection != null) {
                    return connection;
                }
            }
        }
        return DriverManager.getConnection(url, properties);
    }

    private static List<Driver> load() {
        List<Driver> drivers = new ArrayList<>();
        ServiceLoader.load(Driver.class, JdbcDrivers.class.getClassLoader()).forEach(drivers::add);
        return List.copyOf(drivers);
    }
}
