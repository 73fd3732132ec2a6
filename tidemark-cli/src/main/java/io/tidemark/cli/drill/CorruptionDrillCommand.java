package io.tidemark.cli.drill;

import io.tidemark.cli.ExitCodes;
import io.tidemark.cli.Main;
import io.tidemark.cli.TidemarkCommand;
import io.tidemark.cli.snapshot.DurationConverter;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.reconcile.Connections;
import io.tidemark.reconcile.KeyDifference;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;
import io.tidemark.reconcile.TableReconciliation;
import io.tidemark.reconcile.sql.DatabaseSide;
import io.tidemark.reconcile.sql.SqlFlavor;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code tidemark drill corruption}: rehearses the data-corruption runbook on a running pipeline.
 * It damages chosen rows of one table in one JDBC sink (deletes half of them, empties a column of
 * the others), checks that {@code tidemark reconcile} finds exactly those keys, repairs them as the
 * runbook says (the source sends the rows again through the running job, whose guard lets the newer
 * change in), and reports how long detection and repair took. Meant for staging: it writes to the
 * sink and the source, so it asks for {@code --yes}.
 */
@Command(
        name = "corruption",
        mixinStandardHelpOptions = true,
        description = {
            "Damage N rows of a table in a JDBC sink, find them with reconcile, repair them through the running job"
                    + " (the source sends them again) and report detection and repair (docs/runbooks/data-corruption.md).",
            "It writes to the sink and to the source (no-op updates of the chosen rows): run it on staging; --yes"
                    + " confirms. Exit 0 if every damaged key was found, nothing else was, and the table is equal again."})
public final class CorruptionDrillCommand extends TidemarkCommand {

    @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Option(names = "--table", required = true, paramLabel = "TABLE", description = "The source table to drill on.")
    String table;

    @Option(names = "--sink", required = true, paramLabel = "NAME", description = "The JDBC sink whose rows are damaged.")
    String sink;

    @Option(names = "--rows", defaultValue = "10", paramLabel = "N", description = "Rows to damage (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--timeout", defaultValue = "5m", converter = DurationConverter.class, paramLabel = "DURATION",
            description = "How long the repair may take (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--yes", description = "Confirm: damage and repair rows of the sink (and touch them in the source).")
    boolean yes;

    @Override
    protected int execute() throws Exception {
        PipelineDef def = PipelineConfigLoader.load(file);
        JdbcSinkDef jdbc = def.sinks().stream().filter(s -> s.name().equals(sink)).findFirst()
                .filter(JdbcSinkDef.class::isInstance).map(JdbcSinkDef.class::cast)
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "--sink " + sink
                        + ": not a JDBC sink of the pipeline; its JDBC sinks: " + jdbcSinks(def)));
        RouteDef route = def.routes().stream()
                .filter(r -> r.sink().equals(sink) && TableId.parse(r.sourceTable()).equals(TableId.parse(table)))
                .findFirst()
                .orElseThrow(() -> new CommandLine.ParameterException(spec.commandLine(), "--table " + table
                        + ": the pipeline routes no such table to sinks." + sink));
        if (!(def.source() instanceof PostgresSourceDef)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "the drill repairs through the source with"
                    + " no-op updates, which a MySQL/MariaDB binlog does not record: it needs a PostgreSQL source");
        }
        if (!yes) {
            throw new CommandLine.ParameterException(spec.commandLine(), "this damages " + rows + " rows of sinks."
                    + sink + " " + route.sinkTable() + " and repairs them through the running job: run it on staging,"
                    + " and pass --yes");
        }
        ReconcileOptions only = ReconcileOptions.defaults().withTables(List.of(table)).withSinks(List.of(sink));
        ReconcileReport before = reconcile(def, only.withSettleTimeout(Duration.ofSeconds(30)));
        if (!before.equal()) {
            err().println(Main.PREFIX + table + " already differs in sinks." + sink + " ("
                    + before.tables().get(0).differences().size() + " keys): reconcile and repair first");
            return ExitCodes.FAILURE;
        }

        long started = System.nanoTime();
        Damage damage = damage(def, jdbc, route);
        narration().println(String.format(Locale.ROOT, "damaged %d rows of sinks.%s %s: %d deleted, %d with %s emptied",
                damage.keys().size(), sink, route.sinkTable(), damage.deleted(), damage.keys().size() - damage.deleted(),
                damage.column() == null ? "no column" : damage.column()));

        long detecting = System.nanoTime();
        ReconcileReport found = reconcile(def, only.withSettleTimeout(Duration.ofSeconds(2)));
        Duration detection = Duration.ofNanos(System.nanoTime() - detecting);
        TableReconciliation result = found.tables().get(0);
        Set<String> reported = result.differences().stream().map(KeyDifference::key).collect(Collectors.toSet());
        Set<String> damaged = new LinkedHashSet<>(damage.keys().keySet());
        Set<String> missed = new LinkedHashSet<>(damaged);
        missed.removeAll(reported);
        Set<String> unexpected = new LinkedHashSet<>(reported);
        unexpected.removeAll(damaged);
        narration().println(String.format(Locale.ROOT, "reconcile found %d of %d damaged keys in %.1f s%s",
                damaged.size() - missed.size(), damaged.size(), detection.toMillis() / 1000.0,
                unexpected.isEmpty() ? "" : " and " + unexpected.size() + " others"));

        long repairing = System.nanoTime();
        touch(def, route, damage);
        ReconcileReport after = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            after = reconcile(def, only.withSettleTimeout(Duration.ZERO));
            if (after.equal()) {
                break;
            }
            Thread.sleep(500);
        }
        Duration repair = Duration.ofNanos(System.nanoTime() - repairing);
        boolean repaired = after != null && after.equal();
        narration().println(repaired
                ? String.format(Locale.ROOT, "repaired through the running job in %.1f s: %s equal again",
                        repair.toMillis() / 1000.0, table)
                : "not repaired within " + timeout.toSeconds() + " s: is the job running?");
        boolean passed = missed.isEmpty() && unexpected.isEmpty() && repaired;
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("table", table);
        report.put("sink", sink);
        report.put("damaged", damaged);
        report.put("detected", damaged.size() - missed.size());
        report.put("missed", missed);
        report.put("unexpected", unexpected);
        report.put("detectionSeconds", detection.toMillis() / 1000.0);
        report.put("repaired", repaired);
        report.put("repairSeconds", repair.toMillis() / 1000.0);
        report.put("totalSeconds", (System.nanoTime() - started) / 1e9);
        report.put("passed", passed);
        if (json()) {
            printJson(report);
        } else {
            out().println(String.format(Locale.ROOT, "drill %s: %d damaged, %d detected, %d missed, %d unexpected;"
                    + " detection %.1f s, repair %.1f s", passed ? "PASSED" : "FAILED", damaged.size(),
                    damaged.size() - missed.size(), missed.size(), unexpected.size(), detection.toMillis() / 1000.0,
                    repair.toMillis() / 1000.0));
        }
        return passed ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** The damaged rows by key as reconcile names them ({@code id=42}), with their key values; how many were deleted. */
    private record Damage(Map<String, Object[]> keys, int deleted, String column) {}

    private Damage damage(PipelineDef def, JdbcSinkDef jdbc, RouteDef route) throws SQLException {
        TableId sinkTable = TableId.parse(route.sinkTable());
        try (DatabaseSide side = Connections.sink(jdbc)) {
            SqlFlavor flavor = side.flavor();
            Connection c = side.connectionForSetup();
            List<String> key = side.primaryKey(sinkTable);
            String emptied = side.columns(sinkTable).stream()
                    .map(io.tidemark.reconcile.sql.ColumnType::name)
                    .filter(n -> !key.contains(n) && !n.equals("_tidemark_pos"))
                    .filter(n -> nullable(c, flavor, sinkTable, n))
                    .findFirst().orElse(null);
            String quotedTable = flavor.quoteIdentifier(sinkTable.schema()) + "." + flavor.quoteIdentifier(sinkTable.table());
            String keyList = key.stream().map(flavor::quoteIdentifier).collect(Collectors.joining(", "));
            String where = key.stream().map(k -> flavor.quoteIdentifier(k) + " = ?").collect(Collectors.joining(" AND "));
            String pick = "SELECT " + keyList + " FROM " + quotedTable
                    + (emptied == null ? "" : " WHERE " + flavor.quoteIdentifier(emptied) + " IS NOT NULL")
                    + " ORDER BY " + (flavor == SqlFlavor.POSTGRES ? "random()" : "RAND()") + " LIMIT " + rows;
            Map<String, Object[]> keys = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(pick); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Object[] values = new Object[key.size()];
                    List<String> named = new ArrayList<>();
                    for (int i = 0; i < values.length; i++) {
                        values[i] = rs.getObject(i + 1);
                        named.add(key.get(i) + "=" + rs.getString(i + 1));
                    }
                    keys.put(String.join(", ", named), values);
                }
            }
            int deleted = 0;
            int i = 0;
            for (Object[] values : keys.values()) {
                boolean delete = emptied == null || i++ % 2 == 0;
                String sql = delete ? "DELETE FROM " + quotedTable + " WHERE " + where
                        : "UPDATE " + quotedTable + " SET " + flavor.quoteIdentifier(emptied) + " = NULL WHERE " + where;
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    for (int k = 0; k < values.length; k++) {
                        ps.setObject(k + 1, values[k]);
                    }
                    ps.executeUpdate();
                }
                deleted += delete ? 1 : 0;
            }
            return new Damage(keys, deleted, emptied);
        }
    }

    /** The runbook's repair: each damaged row updated to itself in the source, a new change the sink's guard lets in. */
    private static void touch(PipelineDef def, RouteDef route, Damage damage) throws SQLException {
        TableId sourceTable = TableId.parse(route.sourceTable());
        try (DatabaseSide source = Connections.source(def.source())) {
            List<String> key = source.primaryKey(sourceTable);
            SqlFlavor flavor = source.flavor();
            String set = key.stream().map(k -> flavor.quoteIdentifier(k) + " = " + flavor.quoteIdentifier(k))
                    .collect(Collectors.joining(", "));
            String where = key.stream().map(k -> flavor.quoteIdentifier(k) + " = ?").collect(Collectors.joining(" AND "));
            String sql = "UPDATE " + flavor.quoteIdentifier(sourceTable.schema()) + "." + flavor.quoteIdentifier(sourceTable.table())
                    + " SET " + set + " WHERE " + where;
            try (PreparedStatement ps = source.connectionForSetup().prepareStatement(sql)) {
                for (Object[] values : damage.keys().values()) {
                    for (int k = 0; k < values.length; k++) {
                        ps.setObject(k + 1, values[k]);
                    }
                    ps.executeUpdate();
                }
            }
        }
    }

    private static boolean nullable(Connection c, SqlFlavor flavor, TableId table, String column) {
        try (PreparedStatement ps = c.prepareStatement("SELECT is_nullable FROM information_schema.columns"
                + " WHERE table_schema = ? AND table_name = ? AND column_name = ?")) {
            ps.setString(1, table.schema());
            ps.setString(2, table.table());
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "YES".equalsIgnoreCase(rs.getString(1));
            }
        } catch (SQLException e) {
            return false;
        }
    }

    private static ReconcileReport reconcile(PipelineDef def, ReconcileOptions options) throws Exception {
        return new Reconciler(def, options, ReconcileListener.NONE).run();
    }

    private static String jdbcSinks(PipelineDef def) {
        return def.sinks().stream().filter(JdbcSinkDef.class::isInstance).map(SinkDef::name)
                .collect(Collectors.joining(", "));
    }
}
