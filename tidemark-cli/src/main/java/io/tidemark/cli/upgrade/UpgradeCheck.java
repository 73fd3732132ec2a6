package io.tidemark.cli.upgrade;

import io.tidemark.cli.upgrade.UpgradeFinding.Severity;
import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.config.PostgresSourceDef;
import io.tidemark.pipeline.config.RouteDef;
import io.tidemark.pipeline.config.SinkDef;
import io.tidemark.pipeline.config.SourceDef;
import io.tidemark.pipeline.event.TableId;
import io.tidemark.pipeline.job.OperatorUids;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.source.SourcePositionLostException;
import io.tidemark.snapshot.storage.SnapshotStorage;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.OperatorIDPair;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.state.api.OperatorIdentifier;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Predicts what restoring a savepoint into a new version of a pipeline would do, before anything is
 * stopped: the savepoint's {@code _metadata} (read with Flink's {@code Checkpoints}) against the
 * job graph the new pipeline file builds (built, never run), operator by operator through their
 * stable uids. Flink itself refuses state without an operator and parallelism beyond the saved max
 * parallelism; Tidemark adds what Flink cannot see: a new sink or table that would never get the
 * rows that already exist, a source pointed elsewhere, a position the source no longer holds.
 */
public final class UpgradeCheck {

    private final SnapshotStorage storage;

    public UpgradeCheck(SnapshotStorage storage) {
        this.storage = storage;
    }

    /**
     * @param next the pipeline file of the version to start
     * @param current the pipeline file of the job that took the savepoint, or null; with it,
     *     operators are named and a changed source or new tables are found
     * @param checkSource whether to ask the new pipeline's source whether it still holds the
     *     savepoint's position (it must be reachable)
     */
    public UpgradeReport check(String savepoint, PipelineDef next, PipelineDef current, boolean checkSource)
            throws Exception {
        CheckpointMetadata metadata = storage.metadata(savepoint);
        Map<OperatorID, String> names = new HashMap<>();
        if (current != null) {
            names.putAll(knownOperators(current));
        }
        names.putAll(knownOperators(next));

        PipelineJob job = PipelineJob.of(next);
        JobGraph graph = job.jobGraph(new Configuration(), SavepointRestoreSettings.none());
        Map<OperatorID, JobVertex> planned = new HashMap<>();
        for (JobVertex vertex : graph.getVertices()) {
            for (OperatorIDPair ids : vertex.getOperatorIDs()) {
                planned.put(ids.getGeneratedOperatorID(), vertex);
                ids.getUserDefinedOperatorID().ifPresent(id -> planned.put(id, vertex));
            }
        }

        List<UpgradeFinding> findings = new ArrayList<>();
        List<SavedOperator> saved = new ArrayList<>();
        // a savepoint lists every operator of the job that took it, stateless ones too
        Set<OperatorID> present = new java.util.HashSet<>();
        for (OperatorState state : metadata.getOperatorStates()) {
            present.add(state.getOperatorID());
            SavedOperator read = SavedOperator.of(state, "");
            SavedOperator operator = read.named(names.getOrDefault(state.getOperatorID(), describe(read)));
            saved.add(operator);
            if (!operator.hasState()) {
                continue;
            }
            JobVertex vertex = planned.get(state.getOperatorID());
            if (vertex == null) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "DROPPED_STATE", operator.name(),
                        "has state in the savepoint (" + String.join(", ", operator.stateNames()) + ", "
                                + operator.stateBytes() + " bytes) and no operator in the new version: Flink refuses the"
                                + " restore unless allowNonRestoredState is set, which drops it" + consequence(operator)));
                continue;
            }
            int parallelism = vertex.getParallelism() > 0 ? vertex.getParallelism() : next.parallelism();
            if (parallelism > state.getMaxParallelism()) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "MAX_PARALLELISM", operator.name(),
                        "parallelism " + parallelism + " exceeds the max parallelism " + state.getMaxParallelism()
                                + " its state was saved with: Flink refuses the restore; keep parallelism at most "
                                + state.getMaxParallelism()));
            } else if (vertex.getMaxParallelism() > 0 && vertex.getMaxParallelism() != state.getMaxParallelism()) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "MAX_PARALLELISM", operator.name(),
                        "max parallelism " + vertex.getMaxParallelism() + " differs from the savepoint's "
                                + state.getMaxParallelism() + ": Flink refuses the restore"));
            } else if (parallelism != state.getParallelism()) {
                findings.add(new UpgradeFinding(Severity.INFO, "RESCALED", operator.name(),
                        "parallelism " + state.getParallelism() + " -> " + parallelism
                                + ": Flink redistributes its state (max parallelism " + state.getMaxParallelism() + ")"));
            }
        }

        OperatorID source = operatorId(OperatorUids.SOURCE);
        if (!present.contains(source)) {
            findings.add(new UpgradeFinding(Severity.BLOCKING, "SOURCE_WITHOUT_STATE", "source",
                    "is not in the savepoint (uid " + OperatorUids.SOURCE + "): the restored job would start the"
                            + " source afresh, from its startup mode, as a new pipeline would"));
        }
        for (SinkDef sink : next.sinks()) {
            if (present.contains(source) && !present.contains(operatorId(OperatorUids.sink(sink.name())))) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "NEW_SINK", "sinks." + sink.name(),
                        "is not in the savepoint: the restored source resumes after the savepoint's position, so"
                                + " this sink would get only the changes made from then on, never the rows that exist"
                                + " already; give it a pipeline of its own (it snapshots its tables), or start the new"
                                + " version without the savepoint"));
            }
        }
        if (current != null) {
            findings.addAll(sourceChanges(current, next));
        }
        if (checkSource && present.contains(source)) {
            try {
                job.checkResumable(savepoint);
            } catch (SourcePositionLostException e) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "SOURCE_POSITION_GONE", "source", e.getMessage()));
            }
        }
        return new UpgradeReport(savepoint, metadata.getCheckpointId(), saved, findings);
    }

    /** The stateful operators a pipeline has, by id: its source and each sink's writer, and the routes. */
    private static Map<OperatorID, String> knownOperators(PipelineDef def) {
        Map<OperatorID, String> names = new LinkedHashMap<>();
        names.put(operatorId(OperatorUids.SOURCE), "source");
        for (SinkDef sink : def.sinks()) {
            names.put(operatorId(OperatorUids.sink(sink.name())), "sinks." + sink.name());
            names.put(operatorId(OperatorUids.route(sink.name())), "route to sinks." + sink.name());
        }
        return names;
    }

    static OperatorID operatorId(String uid) {
        return OperatorIdentifier.forUid(uid).getOperatorId();
    }

    /** An operator no pipeline file names: what its states say it was. */
    private static String describe(SavedOperator operator) {
        String kind = operator.stateNames().contains("SourceReaderState") ? "a source"
                : operator.stateNames().isEmpty() ? "an operator" : "an operator (a sink writer, by its states)";
        return kind + " with id " + operator.operatorId();
    }

    private static String consequence(SavedOperator operator) {
        if (operator.name().equals("source") || operator.stateNames().contains("SourceReaderState")) {
            return "; the source would then start without its position, as a new pipeline";
        }
        if (operator.name().startsWith("sinks.") || operator.name().contains("sink writer")) {
            return "; a removed or renamed sink loses the changes it held at the savepoint (a renamed sink"
                    + " is a new one: see the sink's own finding)";
        }
        return "";
    }

    /** What changed in the source between the two files: where it reads from, and what it captures. */
    private static List<UpgradeFinding> sourceChanges(PipelineDef current, PipelineDef next) {
        List<UpgradeFinding> findings = new ArrayList<>();
        String was = identity(current.source());
        String now = identity(next.source());
        if (!was.equals(now)) {
            findings.add(new UpgradeFinding(Severity.BLOCKING, "SOURCE_CHANGED", "source",
                    "reads from " + now + " instead of " + was + ": the savepoint's positions belong to the old source"
                            + " and mean nothing in the new one; start the new source as a new pipeline"));
        }
        Set<TableId> before = tables(current.source());
        for (TableId table : tables(next.source())) {
            if (!before.contains(table)) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "NEW_TABLE", "source.tables",
                        table + " is new: a restored source does not snapshot it, so its existing rows never reach"
                                + " the sinks (only its later changes would)"));
            }
        }
        for (TableId table : before) {
            if (!tables(next.source()).contains(table)) {
                findings.add(new UpgradeFinding(Severity.INFO, "TABLE_REMOVED", "source.tables",
                        table + " is no longer captured: its sink tables keep what they hold and stop changing"));
            }
        }
        Set<String> oldRoutes = routes(current);
        for (RouteDef route : next.routes()) {
            boolean sinkExisted = current.sinks().stream().anyMatch(s -> s.name().equals(route.sink()));
            if (sinkExisted && before.contains(TableId.parse(route.sourceTable()))
                    && !oldRoutes.contains(route.sourceTable() + " -> " + route.sink() + ":" + route.sinkTable())) {
                findings.add(new UpgradeFinding(Severity.BLOCKING, "NEW_ROUTE", "sinks." + route.sink(),
                        "now receives " + route.sourceTable() + " into " + route.sinkTable() + ": only its changes after"
                                + " the savepoint would arrive, not the rows that exist"));
            }
        }
        return findings;
    }

    private static Set<String> routes(PipelineDef def) {
        Set<String> routes = new TreeSet<>();
        def.routes().forEach(r -> routes.add(r.sourceTable() + " -> " + r.sink() + ":" + r.sinkTable()));
        return routes;
    }

    private static Set<TableId> tables(SourceDef source) {
        Set<TableId> tables = new TreeSet<>(java.util.Comparator.comparing(TableId::toString));
        source.tables().forEach(t -> tables.add(TableId.parse(t)));
        return tables;
    }

    /** Where a source reads from; the password and tuning are not part of it. */
    private static String identity(SourceDef source) {
        if (source instanceof PostgresSourceDef pg) {
            return "postgres " + pg.hostname() + ":" + pg.port() + "/" + pg.database() + " slot " + pg.slotName();
        }
        MySqlSourceDef my = (MySqlSourceDef) source;
        return "mysql " + my.hostname() + ":" + my.port();
    }
}
