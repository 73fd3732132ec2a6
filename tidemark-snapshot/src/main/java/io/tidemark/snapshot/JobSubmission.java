package io.tidemark.snapshot;

import org.apache.flink.core.execution.RestoreMode;

import javax.annotation.Nullable;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A job to start on a session cluster by uploading a jar and running its entry class (Flink's
 * {@code /jars/upload} and {@code /jars/:id/run}), optionally from a savepoint or retained
 * checkpoint with a claim mode (no-claim: the job leaves the snapshot alone; claim: the job owns it
 * and may delete it).
 */
public record JobSubmission(
        Path jar,
        String entryClass,
        List<String> programArguments,
        @Nullable String restorePath,
        RestoreMode claimMode,
        boolean allowNonRestoredState) {

    public JobSubmission {
        Objects.requireNonNull(jar, "jar cannot be null");
        Objects.requireNonNull(entryClass, "entryClass cannot be null");
        programArguments = List.copyOf(programArguments);
        Objects.requireNonNull(claimMode, "claimMode cannot be null");
    }
}
