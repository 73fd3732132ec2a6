package io.tidemark.pipeline.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** Reads rows as text for comparisons of source and sink, whatever the database. */
public final class Rows {

    private Rows() {}

    /** The first column of every row {@code sql} returns, in order; closes {@code connection}. */
    public static List<String> collect(Connection connection, String sql) throws SQLException {
        try (Connection c = connection; Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            List<String> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
            return rows;
        }
    }
}
