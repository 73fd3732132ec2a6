package io.tidemark.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** The demo's tables ({@code schema.sql}), created on the source and on the sink. */
final class DemoSchema {

    static final List<String> TABLES = List.of("public.customers", "public.orders");

    private DemoSchema() {}

    /**
     * Creates the tables. On the source they also get {@code REPLICA IDENTITY FULL}: they have text
     * and jsonb columns, which PostgreSQL may store out of line (Tidemark's startup check insists).
     */
    static void create(Connection c, boolean source) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String statement : statements()) {
                st.execute(statement);
            }
            if (source) {
                for (String table : TABLES) {
                    st.execute("ALTER TABLE " + table + " REPLICA IDENTITY FULL");
                }
            }
        }
    }

    private static List<String> statements() {
        String sql;
        try (InputStream in = DemoSchema.class.getResourceAsStream("schema.sql")) {
            if (in == null) {
                throw new IllegalStateException("schema.sql is missing from the tidemark-cli jar");
            }
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String withoutComments = sql.replaceAll("(?m)^--.*$", "");
        return java.util.Arrays.stream(withoutComments.split(";"))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }
}
