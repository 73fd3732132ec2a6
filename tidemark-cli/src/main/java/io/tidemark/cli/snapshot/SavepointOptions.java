package io.tidemark.cli.snapshot;

import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.snapshot.SavepointRequest;

import org.apache.flink.core.execution.SavepointFormatType;
import picocli.CommandLine.Option;

import java.time.Duration;

/** How {@code savepoint trigger} and {@code savepoint stop} take their savepoint. */
public final class SavepointOptions {

    @Option(
            names = "--target-dir",
            paramLabel = "DIR",
            description = "Where to write the savepoint, e.g. s3://bucket/savepoints (default: the pipeline file's"
                    + " checkpointing.savepoints-dir, else the cluster's execution.checkpointing.savepoint-dir).")
    String targetDirectory;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "canonical",
            description = "canonical (portable across state backends, for upgrades) or native (faster;"
                    + " same state backend only). Default: ${DEFAULT-VALUE}.")
    SavepointFormatType format = SavepointFormatType.CANONICAL;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "10m",
            converter = DurationConverter.class,
            description = "How long to wait for the savepoint, e.g. 90s or 10m (default: ${DEFAULT-VALUE}).")
    Duration timeout = Duration.ofMinutes(10);

    SavepointRequest request(StorageOptions storage) throws ConfigException {
        String directory = targetDirectory != null ? targetDirectory : storage.savepointDirectoryIfKnown();
        return new SavepointRequest(directory, format, timeout);
    }
}
