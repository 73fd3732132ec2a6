package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.source.SourceTables;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Checks a MySQL or MariaDB source before the job starts, so that what a user got wrong is one
 * clear line at startup instead of a job that fails and restarts forever: the binary log on, in
 * ROW format with FULL row images, not compressed and with every event's position, the replication
 * privileges the binlog reader needs, every captured table readable and with a primary key, and the
 * configured time zone matching the server's (TIMESTAMP values would shift otherwise).
 */
public final class MySqlSourcePreparer {

    /** Global privileges the binlog reader needs, each with the names that also grant it. */
    private static final Map<String, Set<String>> REPLICATION_PRIVILEGES = new LinkedHashMap<>();

    static {
        REPLICATION_PRIVILEGES.put("REPLICATION SLAVE", Set.of("REPLICATION SLAVE"));
        // SHOW MASTER STATUS; MariaDB 10.5 renamed REPLICATION CLIENT to BINLOG MONITOR
        REPLICATION_PRIVILEGES.put("REPLICATION CLIENT", Set.of("REPLICATION CLIENT", "BINLOG MONITOR", "SUPER"));
    }

    private static final int ER_TABLEACCESS_DENIED = 1142;
    private static final int ER_NO_SUCH_TABLE = 1146;
    private static final int ER_BAD_DB = 1049;
    private static final int ER_DBACCESS_DENIED = 1044;

    private final MySqlSourceDef def;

    public MySqlSourcePreparer(MySqlSourceDef def) {
        this.def = def;
    }

    public void prepare() throws SQLException {
        List<String> problems = new ArrayList<>();
        try (Connection c = connect()) {
            checkBinlog(c, problems);
            checkPrivileges(c, problems);
            for (String name : def.tables()) {
                checkTable(c, TableId.parse(name), problems);
            }
            checkTimeZone(c, problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
    }

    /** The primary key columns of each captured table, in key order (empty for a table without one). */
    public Map<TableId, List<String>> primaryKeys() throws SQLException {
        try (Connection c = connect()) {
            return SourceTables.primaryKeys(c, "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                        + " AND INDEX_NAME = 'PRIMARY' ORDER BY SEQ_IN_INDEX", def.tables());
        }
    }

    private Connection connect() throws SQLException {
        try {
            return MySqlConnections.open(def);
        } catch (SQLException e) {
            String tls = def.tls().requiresTls() ? " with TLS (source.tls: " + def.tls() + ")" : "";
            throw new SQLException("source: cannot connect to " + def.hostname() + ":" + def.port() + " as "
                    + def.username() + tls + ": " + firstLine(e), e.getSQLState(), e.getErrorCode(), e);
        }
    }

    private static void checkBinlog(Connection c, List<String> problems) throws SQLException {
        String logBin;
        String format;
        String rowImage;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery(
                        "SELECT @@GLOBAL.log_bin, @@GLOBAL.binlog_format, @@GLOBAL.binlog_row_image")) {
            rs.next();
            logBin = rs.getString(1);
            format = rs.getString(2);
            rowImage = rs.getString(3);
        }
        if (!"1".equals(logBin) && !"ON".equalsIgnoreCase(logBin)) {
            problems.add("source: the server's binary log is off (log_bin=OFF); start the server with"
                    + " --log-bin, --binlog-format=ROW and --binlog-row-image=FULL");
            return;
        }
        if (!"ROW".equalsIgnoreCase(format)) {
            problems.add("source: binlog_format is " + format + ", not ROW; run SET GLOBAL binlog_format = 'ROW'"
                    + " and set binlog_format=ROW in the server's configuration");
        }
        if (!"FULL".equalsIgnoreCase(rowImage)) {
            problems.add("source: binlog_row_image is " + rowImage + ", not FULL, so updates would arrive without"
                    + " the whole row; run SET GLOBAL binlog_row_image = 'FULL' and set binlog_row_image=FULL in"
                    + " the server's configuration");
        }
        // Flink CDC 3.5's binlog client skips compressed events, and every change in them
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL VARIABLES WHERE Variable_name IN"
                        + " ('log_bin_compress', 'binlog_transaction_compression')")) {
            while (rs.next()) {
                if ("ON".equalsIgnoreCase(rs.getString(2)) || "1".equals(rs.getString(2))) {
                    problems.add("source: " + rs.getString(1) + " is ON, and Flink CDC 3.5 cannot read compressed"
                            + " binlog events: their changes would be lost without a trace; run SET GLOBAL "
                            + rs.getString(1) + " = OFF and set it off in the server's configuration");
                }
            }
        }
        // MariaDB 11.4 and later write end_log_pos 0 into the events inside a transaction unless this is ON: the
        // changes would have no binlog position, and Tidemark orders every change by its position
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SHOW GLOBAL VARIABLES LIKE 'binlog_legacy_event_pos'")) {
            if (rs.next() && ("OFF".equalsIgnoreCase(rs.getString(2)) || "0".equals(rs.getString(2)))) {
                problems.add("source: binlog_legacy_event_pos is OFF (the default since MariaDB 11.4), so the binary"
                        + " log gives the changes inside a transaction no position and Tidemark cannot order them;"
                        + " run SET GLOBAL binlog_legacy_event_pos = ON and set it on in the server's configuration");
            }
        }
    }

    private void checkPrivileges(Connection c, List<String> problems) throws SQLException {
        String grantee;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT CURRENT_USER()")) {
            rs.next();
            String user = rs.getString(1);
            int at = user.lastIndexOf('@');
            grantee = "'" + user.substring(0, at) + "'@'" + user.substring(at + 1) + "'";
        }
        Set<String> granted = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = ?")) {
            ps.setString(1, grantee);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    granted.add(rs.getString(1).toUpperCase(Locale.ROOT));
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Set<String>> privilege : REPLICATION_PRIVILEGES.entrySet()) {
            if (privilege.getValue().stream().noneMatch(granted::contains)) {
                missing.add(privilege.getKey());
            }
        }
        if (!missing.isEmpty()) {
            problems.add("source.username: " + def.username() + " lacks " + String.join(" and ", missing)
                    + "; run GRANT " + String.join(", ", missing) + " ON *.* TO " + grantee);
        }
    }

    private void checkTable(Connection c, TableId table, List<String> problems) throws SQLException {
        String quoted = quote(table.schema()) + "." + quote(table.table());
        try (Statement st = c.createStatement(); ResultSet ignored = st.executeQuery("SELECT * FROM " + quoted + " LIMIT 0")) {
            // readable
        } catch (SQLException e) {
            switch (e.getErrorCode()) {
                case ER_NO_SUCH_TABLE:
                case ER_BAD_DB:
                    problems.add("source.tables: table " + table + " does not exist on the server;"
                            + " create it or remove it from source.tables");
                    return;
                case ER_TABLEACCESS_DENIED:
                case ER_DBACCESS_DENIED:
                    problems.add("source.username: " + def.username() + " lacks SELECT on " + table
                            + "; run GRANT SELECT ON " + quoted + " TO the user");
                    return;
                default:
                    throw e;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                // STATISTICS, not TABLE_CONSTRAINTS: MariaDB hides the latter from users with SELECT only
                "SELECT count(*) FROM information_schema.STATISTICS"
                        + " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY'")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getLong(1) == 0) {
                    problems.add("source.tables: table " + table + " has no primary key; Tidemark needs one to"
                            + " apply changes exactly once: add a primary key or remove the table from source.tables");
                }
            }
        }
    }

    private void checkTimeZone(Connection c, List<String> problems) throws SQLException {
        int serverOffsetSeconds;
        String serverZone;
        try (Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()),"
                        + " @@GLOBAL.time_zone, @@system_time_zone")) {
            rs.next();
            serverOffsetSeconds = rs.getInt(1);
            serverZone = rs.getString(2) + ("SYSTEM".equalsIgnoreCase(rs.getString(2)) ? " = " + rs.getString(3) : "");
        }
        ZoneOffset configured = ZoneId.of(def.serverTimeZone()).getRules().getOffset(Instant.now());
        // NOW() and UTC_TIMESTAMP() are read a moment apart: allow a minute
        if (Math.abs(configured.getTotalSeconds() - serverOffsetSeconds) >= 60) {
            problems.add("source.server-time-zone: " + def.serverTimeZone() + " (now " + offset(configured)
                    + ") differs from the server's time zone (" + serverZone + ", now "
                    + offset(ZoneOffset.ofTotalSeconds(Math.round(serverOffsetSeconds / 60f) * 60))
                    + "); set it to the server's zone, or TIMESTAMP values would be shifted");
        }
    }

    private static String offset(ZoneOffset offset) {
        return offset.getTotalSeconds() == 0 ? "+00:00" : offset.getId();
    }

    private static String quote(String identifier) {
        return "`" + identifier.replace("`", "``") + "`";
    }

    private static String firstLine(SQLException e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.split("\n")[0];
    }
}
