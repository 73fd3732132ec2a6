package io.tidemark.pipeline.config;

import java.time.Duration;
import java.util.Objects;

/** Checkpoint and savepoint settings; the directories are URIs such as {@code s3://bucket/path}. */
public record CheckpointingDef(
        Duration interval,
        Duration timeout,
        Duration minPause,
        ExternalizedRetention externalizedRetention,
        String checkpointsDir,
        String savepointsDir) implements java.io.Serializable {

    public CheckpointingDef {
        Objects.requireNonNull(interval, "interval cannot be null");
        Objects.requireNonNull(timeout, "timeout cannot be null");
        Objects.requireNonNull(minPause, "minPause cannot be null");
        Objects.requireNonNull(externalizedRetention, "externalizedRetention cannot be null");
        Objects.requireNonNull(checkpointsDir, "checkpointsDir cannot be null");
        Objects.requireNonNull(savepointsDir, "savepointsDir cannot be null");
    }
}
