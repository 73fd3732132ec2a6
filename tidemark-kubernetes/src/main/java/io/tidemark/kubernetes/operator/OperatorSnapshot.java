package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.SnapshotKind;

import org.apache.flink.kubernetes.operator.api.status.FlinkStateSnapshotStatus;
import org.apache.flink.kubernetes.operator.api.status.SnapshotTriggerType;

import javax.annotation.Nullable;

import java.time.Instant;

/**
 * A FlinkStateSnapshot resource of a FlinkDeployment, as {@code savepoint list} shows it beside
 * what storage holds: the operator's record of a savepoint or checkpoint, whoever triggered it
 * (Tidemark, a user's manifest, the operator's periodic or upgrade savepoints).
 *
 * @param name the resource's name
 * @param kind savepoint or checkpoint
 * @param state the operator's state of it; {@code null} while no operator has picked it up
 * @param path where the snapshot is, once the operator knows (for a checkpoint it may stay empty)
 * @param created when the resource was created
 * @param triggerType why it was taken (the operator's {@code snapshot.trigger-type} label; UNKNOWN without one)
 * @param error the operator's error on one line, if it recorded one
 * @param createdByTidemark whether Tidemark created it
 */
public record OperatorSnapshot(
        String name,
        SnapshotKind kind,
        @Nullable FlinkStateSnapshotStatus.State state,
        @Nullable String path,
        @Nullable Instant created,
        SnapshotTriggerType triggerType,
        @Nullable String error,
        boolean createdByTidemark) {}
