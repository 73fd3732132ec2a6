package io.tidemark.reconcile;

import io.tidemark.reconcile.sql.TablePlan;
import io.tidemark.reconcile.sql.TableReader;
import io.tidemark.reconcile.sql.TableReader.Checksum;
import io.tidemark.reconcile.sql.TableReader.KeyedRow;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * A source table against its table in a JDBC sink, by data-diff's algorithm: each database sums its
 * rows' digests over segments of the integer key's range ({@value #FACTOR} per range, both sides at
 * once); a segment whose count or sum differs is split again, and one small enough ({@link
 * ReconcileOptions#leafRows()}) is compared row by row on the digests alone; the keys found are
 * then re-read whole ({@link Settling}). Equal tables cost one aggregate scan per side and download
 * no rows. A key whose first column is not an integer cannot be split into ranges portably (text
 * orders differently in each database), so every row's digest is downloaded instead.
 */
final class JdbcTableComparison {

    static final int FACTOR = 32;
    /** Key ranges wider than this are compared in {@value #PARTS} parts, with a progress report after each. */
    private static final BigInteger PARTED_RANGE = BigInteger.valueOf(200_000);
    private static final int PARTS = 16;

    private final TablePlan plan;
    private final TableReader source;
    private final TableReader sink;
    private final ExecutorService pool;
    private final ReconcileOptions options;
    private final ReconcileListener listener;
    private final String table;
    private final String sinkName;

    private final List<Candidate> candidates = new ArrayList<>();
    private long sourceRows;
    private long sinkRows;
    private boolean truncated;

    JdbcTableComparison(TablePlan plan, TableReader source, TableReader sink, ExecutorService pool,
            ReconcileOptions options, ReconcileListener listener, String sinkName) {
        this.plan = plan;
        this.source = source;
        this.sink = sink;
        this.pool = pool;
        this.options = options;
        this.listener = listener;
        this.table = plan.sourceTable().toString();
        this.sinkName = sinkName;
    }

    TableReconciliation run(String sinkTable) throws Exception {
        long started = System.nanoTime();
        String method;
        if (plan.rangeBisectable()) {
            method = "key-range checksums";
            listener.tableStarted(table, sinkName, method);
            bisectWholeRange();
        } else {
            method = "row digests (key is not an integer)";
            listener.tableStarted(table, sinkName, method);
            compareRows(null, null);
        }
        if (!candidates.isEmpty()) {
            listener.settling(table, sinkName, candidates.size());
        }
        RowComparison comparison = new RowComparison(plan.columns(), plan.kinds());
        Settling settling = new Settling(
                keys -> rows(source, keys, true), keys -> rows(sink, keys, false), comparison,
                key -> RowComparison.describeKey(plan.keyColumns(), key), options.settleTimeout(),
                Duration.ofMillis(500));
        Settling.Outcome outcome = settling.settle(candidates);
        return TableReconciliation.of(table, sinkName, sinkTable, method, sourceRows, sinkRows, truncated, outcome,
                source.statements() + sink.statements(), source.rowsRead() + sink.rowsRead(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    private void bisectWholeRange() throws Exception {
        Pair<BigInteger[]> bounds = both(source::keyBounds, sink::keyBounds);
        BigInteger lo = null;
        BigInteger hi = null;
        for (BigInteger[] b : java.util.Arrays.asList(bounds.source(), bounds.sink())) {
            if (b != null) {
                lo = lo == null ? b[0] : lo.min(b[0]);
                hi = hi == null ? b[1].add(BigInteger.ONE) : hi.max(b[1].add(BigInteger.ONE));
            }
        }
        if (lo == null) {
            return; // both empty
        }
        BigInteger span = hi.subtract(lo);
        int parts = span.compareTo(PARTED_RANGE) > 0 ? PARTS : 1;
        BigInteger partWidth = ceilDiv(span, BigInteger.valueOf(parts));
        for (int part = 0; part < parts && !truncated; part++) {
            BigInteger partLo = lo.add(partWidth.multiply(BigInteger.valueOf(part)));
            BigInteger partHi = partLo.add(partWidth).min(hi);
            if (partLo.compareTo(partHi) < 0) {
                bisect(partLo, partHi, true);
            }
            listener.progress(table, sinkName, (part + 1) / (double) parts, sourceRows);
        }
    }

    private void bisect(BigInteger lo, BigInteger hi, boolean top) throws Exception {
        BigInteger width = ceilDiv(hi.subtract(lo), BigInteger.valueOf(FACTOR));
        Pair<Map<Long, Checksum>> sums = both(
                () -> source.segmentChecksums(lo, hi, width), () -> sink.segmentChecksums(lo, hi, width));
        Set<Long> segments = new TreeSet<>(sums.source().keySet());
        segments.addAll(sums.sink().keySet());
        for (long segment : segments) {
            Checksum a = sums.source().getOrDefault(segment, Checksum.EMPTY);
            Checksum b = sums.sink().getOrDefault(segment, Checksum.EMPTY);
            if (top) {
                sourceRows += a.rows();
                sinkRows += b.rows();
            }
            if (truncated || a.matches(b)) {
                continue;
            }
            BigInteger segmentLo = lo.add(width.multiply(BigInteger.valueOf(segment)));
            BigInteger segmentHi = segmentLo.add(width).min(hi);
            if (Math.max(a.rows(), b.rows()) <= options.leafRows() || width.equals(BigInteger.ONE)) {
                compareRows(segmentLo, segmentHi);
            } else {
                bisect(segmentLo, segmentHi, false);
            }
        }
    }

    /** Row by row on digests, in [lo, hi) or (lo null) the whole table. */
    private void compareRows(BigInteger lo, BigInteger hi) throws Exception {
        Pair<Map<List<String>, KeyedRow<String>>> digests =
                both(() -> source.digests(lo, hi), () -> sink.digests(lo, hi));
        if (lo == null) {
            sourceRows = digests.source().size();
            sinkRows = digests.sink().size();
        }
        for (KeyedRow<String> row : digests.source().values()) {
            KeyedRow<String> other = digests.sink().get(row.key());
            if (other == null || !other.payload().equals(row.payload())) {
                add(new Candidate(row.key(), row.keyValues(), other == null ? null : other.keyValues()));
            }
        }
        for (KeyedRow<String> row : digests.sink().values()) {
            if (!digests.source().containsKey(row.key())) {
                add(new Candidate(row.key(), null, row.keyValues()));
            }
        }
    }

    private void add(Candidate candidate) {
        if (candidates.size() >= options.maxDiffs()) {
            truncated = true;
        } else {
            candidates.add(candidate);
        }
    }

    private static Map<List<String>, List<String>> rows(TableReader reader, List<Candidate> keys, boolean source)
            throws Exception {
        List<Object[]> values = keys.stream().map(c -> source ? c.forSource() : c.forSink()).toList();
        Map<List<String>, List<String>> rows = new HashMap<>();
        reader.rowsByKey(values).forEach((key, row) -> rows.put(key, row.payload()));
        return rows;
    }

    /** What each side answered to the same question. */
    private record Pair<T>(T source, T sink) {}

    /** Asks both databases at once. */
    private <T> Pair<T> both(Callable<T> onSource, Callable<T> onSink) throws Exception {
        Future<T> a = pool.submit(onSource);
        Future<T> b = pool.submit(onSink);
        try {
            return new Pair<>(a.get(), b.get());
        } catch (ExecutionException e) {
            a.cancel(true);
            b.cancel(true);
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    private static BigInteger ceilDiv(BigInteger a, BigInteger b) {
        BigInteger[] qr = a.divideAndRemainder(b);
        return qr[1].signum() == 0 ? qr[0].max(BigInteger.ONE) : qr[0].add(BigInteger.ONE);
    }
}
