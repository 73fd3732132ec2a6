package io.tidemark.kubernetes.manifest;

import java.util.List;

/**
 * The Flink configuration keys the strategy is about, as Flink 1.20 names them, with the older names
 * Flink still reads in order of precedence (a key's own name wins over its deprecated ones).
 */
final class FlinkConfigKeys {

    static final String INTERVAL = "execution.checkpointing.interval";
    static final String TIMEOUT = "execution.checkpointing.timeout";
    static final String MIN_PAUSE = "execution.checkpointing.min-pause";
    static final String RETENTION = "execution.checkpointing.externalized-checkpoint-retention";

    /** Flink 1.20's {@code CheckpointingOptions.CHECKPOINTS_DIRECTORY} and its deprecated keys. */
    static final List<String> CHECKPOINTS_DIR = List.of("execution.checkpointing.dir", "state.checkpoints.dir", "state.backend.fs.checkpointdir");
    /** Flink 1.20's {@code CheckpointingOptions.SAVEPOINT_DIRECTORY} and its deprecated keys. */
    static final List<String> SAVEPOINTS_DIR = List.of("execution.checkpointing.savepoint-dir", "state.savepoints.dir", "savepoints.state.backend.fs.dir");
    /** The key the spec writes, and the one the operator 1.10 (built on Flink 1.19) reads. */
    static final String SPEC_CHECKPOINTS_DIR = "state.checkpoints.dir";
    static final String SPEC_SAVEPOINTS_DIR = "state.savepoints.dir";
    static final String NEW_SAVEPOINTS_DIR = "execution.checkpointing.savepoint-dir";

    static final List<String> HA_TYPE = List.of("high-availability.type", "high-availability");
    static final String HA_STORAGE_DIR = "high-availability.storageDir";

    private FlinkConfigKeys() {}
}
