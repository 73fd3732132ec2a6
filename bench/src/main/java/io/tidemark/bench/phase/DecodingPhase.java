package io.tidemark.bench.phase;

import io.tidemark.bench.BenchSettings;
import io.tidemark.bench.db.BenchPostgres;
import io.tidemark.bench.db.OrdersTable;
import io.tidemark.bench.load.CpuUsage;
import io.tidemark.bench.workload.ChangeWorkload;

import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The source's ceiling: how fast PostgreSQL decodes the same N changes with pgoutput and streams
 * them to a client that does nothing with them. The changes are written first, held by a slot
 * created beforehand; then a JDBC replication stream reads from the slot until it has seen every
 * insert, update and delete message.
 */
final class DecodingPhase implements Phase {

    private static final Logger LOG = LoggerFactory.getLogger(DecodingPhase.class);

    private final BenchContext context;

    DecodingPhase(BenchContext context) {
        this.context = context;
    }

    @Override
    public String name() {
        return "decoding";
    }

    @Override
    public PhaseResult run(int repetition) throws Exception {
        BenchSettings settings = context.settings();
        BenchPostgres pg = context.postgres();
        String db = pg.createDatabase("decoding");
        String slot = "bench_decoding_" + repetition;
        OrdersTable.createSource(pg, db);
        ChangeWorkload workload = new ChangeWorkload(settings.seed(), settings.mix(), settings.transactionSize());
        try {
            long items;
            try (Connection source = pg.connect(db, StreamingJobPhase.batchedWrites())) {
                workload.seed(source, settings.snapshotRows());
                pg.execute(db, "CREATE PUBLICATION " + slot + " FOR TABLE orders",
                        "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
                ChangeWorkload.Counts counts = workload.run(source, settings.changes());
                ChangeWorkload.mark(source, "end");
                items = counts.total() + 1L;
            }
            LOG.info("decoding: {} changes wait in the WAL; reading them through slot {}", items, slot);

            long deadline = System.nanoTime() + settings.phaseTimeout().toNanos();
            CpuUsage cpuStart = context.cpuUsage();
            long start = System.nanoTime();
            long seen = 0;
            try (Connection replication = pg.connect(db, replicationProperties())) {
                PGReplicationStream stream = replication.unwrap(PGConnection.class).getReplicationAPI()
                        .replicationStream()
                        .logical()
                        .withSlotName(slot)
                        .withSlotOption("proto_version", "1")
                        .withSlotOption("publication_names", slot)
                        .withStatusInterval(1, TimeUnit.SECONDS)
                        .start();
                while (seen < items) {
                    ByteBuffer message = stream.readPending();
                    if (message == null) {
                        if (System.nanoTime() > deadline) {
                            throw new TimeoutException("decoding: saw " + seen + " of " + items + " changes within "
                                    + settings.phaseTimeout());
                        }
                        Thread.sleep(1);
                        continue;
                    }
                    byte tag = message.get(message.position());
                    if (tag == 'I' || tag == 'U' || tag == 'D') {
                        seen++;
                    }
                }
                long end = System.nanoTime();
                CpuUsage.Cores cores = context.cpuUsage().coresSince(cpuStart);
                stream.setFlushedLSN(stream.getLastReceiveLSN());
                stream.setAppliedLSN(stream.getLastReceiveLSN());
                stream.forceUpdateStatus();
                stream.close();
                PhaseResult result = new PhaseResult(name(), items, (end - start) / 1e9, 0, cores, List.of());
                LOG.info("decoding: {} changes in {} s: {} changes/s", items,
                        String.format("%.2f", result.seconds()), String.format("%.0f", result.rate()));
                return result;
            }
        } finally {
            pg.dropSlotQuietly(db, slot);
        }
    }

    private static Properties replicationProperties() {
        Properties props = new Properties();
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        return props;
    }
}
