package io.tidemark.pipeline.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the test DDL files under {@code src/test/resources/ddl}, statements split on {@code --;;} lines. */
public final class DdlScripts {

    private DdlScripts() {}

    /** The statements of {@code ddl/<name>.sql}. */
    public static String[] statements(String name) {
        String sql;
        try (InputStream in = DdlScripts.class.getResourceAsStream("/ddl/" + name + ".sql")) {
            if (in == null) {
                throw new IllegalArgumentException("no DDL file ddl/" + name + ".sql");
            }
            sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> statements = new ArrayList<>();
        for (String part : sql.split("(?m)^--;;\\s*$")) {
            if (!part.isBlank()) {
                statements.add(part);
            }
        }
        return statements.toArray(String[]::new);
    }
}
