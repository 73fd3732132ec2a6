package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;
import io.tidemark.bench.load.CpuUsage;
import io.tidemark.bench.workload.ChangeWorkload;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;

/**
 * The sink's ceiling: a plain multi-row upsert ({@code reWriteBatchedInserts}) of N rows into an
 * empty table of the same shape, one transaction per batch, from one connection. No position
 * guard, no compaction, no Flink: what the database accepts from a well-behaved batch writer.
 */
final class BatchedWritePhase implements Phase {

    private static final Logger LOG = LoggerFactory.getLogger(BatchedWritePhase.class);

    private static final String UPSERT = ChangeWorkload.INSERT + " ON CONFLICT (id) DO UPDATE SET"
            + " customer = EXCLUDED.customer, amount = EXCLUDED.amount, status = EXCLUDED.status,"
            + " note = EXCLUDED.note, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version";

    private final BenchContext context;

    BatchedWritePhase(BenchContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "batched-write";
    }

    @Override
    public PhaseResult run(int repetition) throws Exception {
        BenchSettings settings = context.settings();
        BenchPostgres pg = context.postgres();
        String db = pg.createDatabase("write");
        OrdersTable.createSink(pg, db);
        ChangeWorkload rows = new ChangeWorkload(settings.seed(), settings.mix(), settings.transactionSize());
        int batch = settings.writeBatchSize();
        try (Connection c = pg.connect(db, StreamingJobPhase.batchedWrites())) {
            c.setAutoCommit(false);
            CpuUsage cpuStart = context.cpuUsage();
            long start = System.nanoTime();
            try (PreparedStatement upsert = c.prepareStatement(UPSERT)) {
                for (int i = 1; i <= settings.changes(); i++) {
                    rows.bindRow(upsert, i);
                    upsert.addBatch();
                    if (i % batch == 0 || i == settings.changes()) {
                        upsert.executeBatch();
                        c.commit();
                    }
                }
            }
            long end = System.nanoTime();
            CpuUsage.Cores cores = context.cpuUsage().coresSince(cpuStart);
            long written = OrdersTable.count(c);
            if (written != settings.changes()) {
                throw new IllegalStateException("batched-write: the table holds " + written + " rows, expected "
                        + settings.changes());
            }
            PhaseResult result = new PhaseResult(name(), settings.changes(), (end - start) / 1e9, 0, cores, List.of());
            LOG.info("batched-write: {} rows in batches of {} in {} s: {} rows/s", settings.changes(), batch,
                    String.format("%.2f", result.seconds()), String.format("%.0f", result.rate()));
            return result;
        }
    }
}
