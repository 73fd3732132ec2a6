package io.tidemark.reconcile;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.sink.redis.RedisRowEncoder;
import io.tidemark.reconcile.redis.RedisReader;
import io.tidemark.reconcile.redis.RedisTexts;
import io.tidemark.reconcile.sql.ColumnKind;
import io.tidemark.reconcile.sql.TablePlan;
import io.tidemark.reconcile.sql.TableReader;
import io.tidemark.reconcile.sql.TableReader.KeyedRow;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A source table against its keys in a Redis sink. A keyspace has no key ranges to checksum, so
 * every source row is read (as canonical text, once) and every data key of the table with it
 * (pipelined); each row is compared, field by field, with what the sink's documented mapping
 * writes for it ({@link RedisTexts}), plus its position field and no fields beyond the columns.
 */
final class RedisTableComparison {

    private static final String POSITION_CHECK = RedisRowEncoder.POSITION_FIELD;
    private static final String OTHER_FIELDS = "(fields the source has no column for)";

    private final TablePlan plan;
    private final TableReader source;
    private final RedisReader redis;
    private final RedisSinkDef sink;
    private final TableId sinkTable;
    private final ReconcileOptions options;
    private final ReconcileListener listener;
    private final List<ColumnKind> keyKinds;
    private final List<String> columns;
    private final List<ColumnKind> kinds;

    RedisTableComparison(TablePlan plan, TableReader source, RedisReader redis, RedisSinkDef sink, TableId sinkTable,
            ReconcileOptions options, ReconcileListener listener) {
        this.plan = plan;
        this.source = source;
        this.redis = redis;
        this.sink = sink;
        this.sinkTable = sinkTable;
        this.options = options;
        this.listener = listener;
        List<ColumnKind> keyKinds = new ArrayList<>();
        for (int index : plan.keyIndexes()) {
            keyKinds.add(plan.kinds().get(index));
        }
        this.keyKinds = List.copyOf(keyKinds);
        List<String> columns = new ArrayList<>(plan.columns());
        columns.add(POSITION_CHECK);
        columns.add(OTHER_FIELDS);
        this.columns = List.copyOf(columns);
        List<ColumnKind> kinds = new ArrayList<>(plan.kinds());
        kinds.add(ColumnKind.TEXT);
        kinds.add(ColumnKind.TEXT);
        this.kinds = List.copyOf(kinds);
    }

    TableReconciliation run() throws Exception {
        long started = System.nanoTime();
        // one reader serves every table of the sink: count only this table's commands and keys
        long commandsBefore = redis.commands();
        long keysBefore = redis.keysRead();
        String table = plan.sourceTable().toString();
        String method = "every key (" + (sink.format() == io.tidemark.pipeline.config.RedisValueFormat.HASH
                ? "SCAN + HGETALL" : "SCAN + GET") + ")";
        listener.tableStarted(table, sink.name(), method);
        Map<String, KeyedRow<List<String>>> expected = new HashMap<>();
        source.allRows(row -> expected.put(dataKey(row.key()), row));
        listener.progress(table, sink.name(), 0.5, expected.size());
        List<String> keys = redis.keys(sinkTable.toString());
        Map<String, List<String>> actual = redis.rows(keys, plan.columns());
        listener.progress(table, sink.name(), 1.0, expected.size());

        RowComparison comparison = new RowComparison(columns, kinds);
        List<Candidate> candidates = new ArrayList<>();
        boolean truncated = false;
        for (Map.Entry<String, KeyedRow<List<String>>> row : expected.entrySet()) {
            List<String> held = actual.get(row.getKey());
            if (comparison.difference(row.getKey(), redisRow(row.getValue().payload()), held) != null) {
                truncated |= !add(candidates, new Candidate(List.of(row.getKey()), row.getValue().keyValues(), null));
            }
        }
        for (String key : actual.keySet()) {
            if (!expected.containsKey(key)) {
                truncated |= !add(candidates,
                        new Candidate(List.of(key), RedisTexts.keyParts(sink.keyPrefix(), sinkTable, key), null));
            }
        }
        if (!candidates.isEmpty()) {
            listener.settling(table, sink.name(), candidates.size());
        }
        Settling settling = new Settling(this::sourceRows, this::redisRows, comparison, key -> key.get(0),
                options.settleTimeout(), Duration.ofMillis(500));
        Settling.Outcome outcome = settling.settle(candidates);
        return TableReconciliation.of(table, sink.name(), sinkTable.toString(), method, expected.size(), actual.size(),
                truncated, outcome, source.statements() + redis.commands() - commandsBefore,
                source.rowsRead() + redis.keysRead() - keysBefore,
                Duration.ofNanos(System.nanoTime() - started));
    }

    private boolean add(List<Candidate> candidates, Candidate candidate) {
        if (candidates.size() >= options.maxDiffs()) {
            return false;
        }
        candidates.add(candidate);
        return true;
    }

    private String dataKey(List<String> key) {
        return RedisTexts.dataKey(sink.keyPrefix(), sinkTable, keyKinds, key);
    }

    /** A source row as the sink must hold it: each column's field text, a position, no other field. */
    private List<String> redisRow(List<String> canonical) {
        List<String> row = new ArrayList<>(canonical.size() + 2);
        for (int i = 0; i < canonical.size(); i++) {
            row.add(RedisTexts.fieldText(plan.kinds().get(i), canonical.get(i)));
        }
        row.add(RedisReader.HAS_POSITION);
        row.add(null);
        return row;
    }

    private Map<List<String>, List<String>> sourceRows(List<Candidate> keys) throws Exception {
        Map<List<String>, List<String>> rows = new HashMap<>();
        source.rowsByKey(keys.stream().map(Candidate::forSource).toList())
                .forEach((key, row) -> rows.put(List.of(dataKey(key)), redisRow(row.payload())));
        return rows;
    }

    private Map<List<String>, List<String>> redisRows(List<Candidate> keys) {
        Map<List<String>, List<String>> rows = new HashMap<>();
        redis.rows(keys.stream().map(c -> c.key().get(0)).toList(), plan.columns())
                .forEach((key, row) -> rows.put(List.of(key), row));
        return rows;
    }
}
