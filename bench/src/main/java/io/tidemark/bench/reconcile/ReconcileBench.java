package io.tidemark.bench.reconcile;

import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.pipeline.config.CheckpointingDef;
import io.tidemark.pipeline.config.ExternalizedRetention;
import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.Secret;
import io.tidemark.pipeline.config.StartupMode;
import io.tidemark.reconcile.ReconcileListener;
import io.tidemark.reconcile.ReconcileOptions;
import io.tidemark.reconcile.ReconcileReport;
import io.tidemark.reconcile.Reconciler;
import io.tidemark.reconcile.TableReconciliation;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * Times {@code tidemark reconcile} on two PostgreSQL tables of the same rows (one server, two
 * databases), equal and with a few differences, against the anchor every tool without in-database
 * checksums pays: downloading every row of both tables and comparing them (both sides read at
 * once). Medians of {@code --repeat} runs, side by side in one run.
 */
@Command(name = "reconcile-bench", mixinStandardHelpOptions = true,
        description = "Reconcile of N equal rows, PostgreSQL vs PostgreSQL, against downloading and comparing every row.")
public final class ReconcileBench implements Callable<Integer> {

    @Option(names = "--rows", defaultValue = "1000000", description = "Rows per table. Default: ${DEFAULT-VALUE}.")
    int rows;

    @Option(names = "--differences", defaultValue = "10", description = "Rows changed in the sink for the second measurement. Default: ${DEFAULT-VALUE}.")
    int differences;

    @Option(names = "--repeat", defaultValue = "3", description = "Runs of each measurement; the median is reported. Default: ${DEFAULT-VALUE}.")
    int repeat;

    public static void main(String[] args) {
        System.exit(new CommandLine(new ReconcileBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (BenchPostgres pg = BenchPostgres.start()) {
            String source = pg.createDatabase("reconcile_source");
            String sink = pg.createDatabase("reconcile_sink");
            String table = "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer TEXT NOT NULL, amount NUMERIC(12, 2) NOT NULL,"
                    + " status VARCHAR(16) NOT NULL, note TEXT, updated_at TIMESTAMPTZ NOT NULL, version INT NOT NULL)";
            String fill = "INSERT INTO orders SELECT g, 'customer-' || (g % 50000), (g % 100000) / 100.0,"
                    + " (ARRAY['new','paid','shipped','done'])[1 + g % 4], CASE WHEN g % 3 = 0 THEN NULL ELSE 'note ' || g END,"
                    + " timestamptz '2026-01-01 00:00+00' + g * interval '1 second', 1 + g % 7"
                    + " FROM generate_series(1, " + rows + ") g";
            log("seeding %,d rows into two databases", rows);
            pg.execute(source, table, fill, "VACUUM ANALYZE orders");
            pg.execute(sink, table, fill, "ALTER TABLE orders ADD COLUMN _tidemark_pos BIGINT NOT NULL DEFAULT 0",
                    "VACUUM ANALYZE orders");
            PipelineDef def = pipeline(pg, source, sink);

            List<Double> equal = new ArrayList<>();
            List<Double> download = new ArrayList<>();
            for (int run = 0; run < repeat; run++) {
                // alternate the order, so that neither always runs on the warmer cache
                if (run % 2 == 0) {
                    equal.add(timeReconcile(def, 0));
                    download.add(timeDownload(pg, source, sink));
                } else {
                    download.add(timeDownload(pg, source, sink));
                    equal.add(timeReconcile(def, 0));
                }
            }
            StringBuilder damage = new StringBuilder();
            long step = Math.max(1, rows / Math.max(1, differences));
            for (int i = 0; i < differences; i++) {
                damage.append(damage.length() == 0 ? "" : ",").append(1 + i * step);
            }
            pg.execute(sink, "UPDATE orders SET note = 'changed' WHERE id IN (" + damage + ")");
            List<Double> differing = new ArrayList<>();
            for (int run = 0; run < repeat; run++) {
                differing.add(timeReconcile(def, differences));
            }
            double equalSeconds = median(equal);
            double downloadSeconds = median(download);
            double differingSeconds = median(differing);
            System.out.printf(Locale.ROOT, "%n| measurement | seconds (median of %d) | rows/s |%n|---|---|---|%n", repeat);
            System.out.printf(Locale.ROOT, "| reconcile, %,d equal rows | %.2f | %,.0f |%n", rows, equalSeconds, rows / equalSeconds);
            System.out.printf(Locale.ROOT, "| reconcile, %,d rows, %d different | %.2f | %,.0f |%n", rows, differences,
                    differingSeconds, rows / differingSeconds);
            System.out.printf(Locale.ROOT, "| download and compare every row (anchor) | %.2f | %,.0f |%n", downloadSeconds,
                    rows / downloadSeconds);
            System.out.printf(Locale.ROOT, "%nreconcile / download: %.1fx faster on equal tables; runs: reconcile %s,"
                    + " with differences %s, download %s%n", downloadSeconds / equalSeconds, equal, differing, download);
        }
        return 0;
    }

    private static double timeReconcile(PipelineDef def, int expectedDifferences) throws Exception {
        long started = System.nanoTime();
        ReconcileReport report = new Reconciler(def,
                ReconcileOptions.defaults().withSettleTimeout(Duration.ZERO), ReconcileListener.NONE).run();
        double seconds = (System.nanoTime() - started) / 1e9;
        TableReconciliation table = report.tables().get(0);
        if (table.differences().size() != expectedDifferences) {
            throw new IllegalStateException("reconcile found " + table.differences().size() + " differences, expected "
                    + expectedDifferences + ": " + table);
        }
        log("reconcile: %.2f s, %d statements, %,d rows downloaded", seconds, table.statements(), table.rowsDownloaded());
        return seconds;
    }

    /** Every row of both tables, read at once, compared column by column in key order. */
    private static double timeDownload(BenchPostgres pg, String source, String sink) throws Exception {
        long started = System.nanoTime();
        CompletableFuture<List<Object[]>> a = CompletableFuture.supplyAsync(() -> rows(pg, source));
        CompletableFuture<List<Object[]>> b = CompletableFuture.supplyAsync(() -> rows(pg, sink));
        List<Object[]> left = a.get();
        List<Object[]> right = b.get();
        int different = Math.abs(left.size() - right.size());
        for (int i = 0; i < Math.min(left.size(), right.size()); i++) {
            if (!Arrays.equals(left.get(i), right.get(i))) {
                different++;
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        log("download and compare: %.2f s, %,d rows differ", seconds, different);
        return seconds;
    }

    private static List<Object[]> rows(BenchPostgres pg, String database) {
        String columns = "id, customer, amount, status, note, updated_at, version";
        try (Connection c = pg.connect(database)) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("SELECT " + columns + " FROM orders ORDER BY id")) {
                ps.setFetchSize(10_000);
                try (ResultSet rs = ps.executeQuery()) {
                    ResultSetMetaData meta = rs.getMetaData();
                    List<Object[]> rows = new ArrayList<>();
                    while (rs.next()) {
                        Object[] row = new Object[meta.getColumnCount()];
                        for (int i = 0; i < row.length; i++) {
                            row[i] = rs.getObject(i + 1);
                        }
                        rows.add(row);
                    }
                    return rows;
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static PipelineDef pipeline(BenchPostgres pg, String source, String sink) {
        PostgresSourceDef sourceDef = new PostgresSourceDef(pg.host(), pg.port(), source, BenchPostgres.USER,
                Secret.literal(BenchPostgres.PASSWORD), List.of("public.orders"), "unused", "unused", 1000,
                StartupMode.INITIAL);
        JdbcSinkDef sinkDef = new JdbcSinkDef("warehouse", pg.jdbcUrl(sink), BenchPostgres.USER,
                Secret.literal(BenchPostgres.PASSWORD), 1000, Duration.ofMillis(100), 1, Duration.ofDays(7), 3);
        return new PipelineDef("reconcile-bench", 1, sourceDef, List.of(sinkDef),
                List.of(new RouteDef("public.orders", "warehouse", "public.orders")),
                new CheckpointingDef(Duration.ofSeconds(60), Duration.ofSeconds(120), Duration.ofSeconds(30),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION, "file:///unused", "file:///unused"));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static void log(String format, Object... args) {
        System.err.printf(Locale.ROOT, format + "%n", args);
    }
}
