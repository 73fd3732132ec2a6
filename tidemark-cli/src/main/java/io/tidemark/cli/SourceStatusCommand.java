package io.tidemark.cli;

import io.tidemark.cli.snapshot.SnapshotCommand;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.source.postgres.ReplicationSlotStatus;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code tidemark source status FILE}: the replication slot a PostgreSQL pipeline owns (read by a
 * job or not, the position it confirmed, the WAL it keeps) and its publication. A slot that no job
 * reads holds WAL until the source's disk fills: this is where an operator sees it grow.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show the pipeline's replication slot (active or not, confirmed position, WAL retained) and"
                + " publication on its PostgreSQL source.")
public final class SourceStatusCommand extends TidemarkCommand {

    @Parameters(paramLabel = "FILE", description = "The pipeline file, e.g. pipeline.yaml.")
    Path file;

    @Override
    protected int execute() throws Exception {
        PipelineDef def = PipelineConfigLoader.load(file);
        if (!(def.source() instanceof PostgresSourceDef source)) {
            throw new IllegalArgumentException("source status reads a PostgreSQL source's replication slot; a MySQL or"
                    + " MariaDB source keeps its binlog position in the job's checkpoints, not on the server");
        }
        ReplicationSlotStatus status = ReplicationSlotStatus.read(source);
        if (json()) {
            printJson(json(def, source, status));
        } else {
            print(source, status);
        }
        return ExitCodes.OK;
    }

    private void print(PostgresSourceDef source, ReplicationSlotStatus s) {
        PrintStream out = out();
        out.println("source:      postgres " + source.hostname() + ":" + source.port() + "/" + source.database());
        if (!s.slotExists()) {
            out.println("slot:        " + s.slotName() + " does not exist (the job creates it when it first starts)");
        } else {
            out.println("slot:        " + s.slotName() + ", " + (s.active()
                    ? "active (a job reads it, walsender pid " + s.activePid() + ")"
                    : "INACTIVE (no job reads it: the WAL it retains grows with every write to the source)"));
            out.println("confirmed:   " + s.confirmedFlushLsn() + ", " + bytes(s.pendingBytes()) + " of WAL written since");
            out.println("retained:    " + bytes(s.retainedBytes()) + " of WAL (wal_status " + s.walStatus() + ")");
        }
        out.println("publication: " + s.publicationName() + (s.publicationTables() == null
                ? " does not exist (the job creates it when it first starts)"
                : ", " + String.join(", ", s.publicationTables())));
        for (ReplicationSlotStatus.BackfillSlot slot : s.backfillSlots()) {
            out.println("backfill:    " + slot.name() + (slot.active() ? ", active (the initial snapshot reads a chunk's changes)"
                    : ", inactive, retains " + bytes(slot.retainedBytes()) + " of WAL: the initial snapshot's, which the"
                            + " stream drops when it starts; left by a snapshot that did not finish, the restarted job"
                            + " uses it and `tidemark pipeline drop` drops it"));
        }
    }

    private static Map<String, Object> json(PipelineDef def, PostgresSourceDef source, ReplicationSlotStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pipeline", def.name());
        m.put("source", source.hostname() + ":" + source.port() + "/" + source.database());
        Map<String, Object> slot = new LinkedHashMap<>();
        slot.put("name", s.slotName());
        slot.put("exists", s.slotExists());
        slot.put("active", s.active());
        slot.put("activePid", s.activePid());
        slot.put("confirmedFlushLsn", s.confirmedFlushLsn());
        slot.put("retainedWalBytes", s.retainedBytes());
        slot.put("walBytesSinceConfirmed", s.pendingBytes());
        slot.put("walStatus", s.walStatus());
        m.put("slot", slot);
        Map<String, Object> publication = new LinkedHashMap<>();
        publication.put("name", s.publicationName());
        publication.put("exists", s.publicationTables() != null);
        publication.put("tables", s.publicationTables());
        m.put("publication", publication);
        m.put("backfillSlots", s.backfillSlots().stream().map(b -> {
            Map<String, Object> slotMap = new LinkedHashMap<>();
            slotMap.put("name", b.name());
            slotMap.put("active", b.active());
            slotMap.put("retainedWalBytes", b.retainedBytes());
            return slotMap;
        }).toList());
        return m;
    }

    private static String bytes(Long n) {
        return n == null ? "-" : SnapshotCommand.bytes(n);
    }
}
