package io.tidemark.snapshot;

import io.tidemark.snapshot.SnapshotException.Reason;

import javax.annotation.Nullable;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Flink gives no error codes for the snapshot problems of a restore or disposal, so they are
 * recognised by the sentences its checkpoint loading uses, wherever they surface: in a REST error
 * response, or in the status of a FlinkDeployment the operator failed to restore. One place, so the
 * REST and operator targets report the same problem with the same reason and words.
 */
public final class SnapshotProblems {

    private static final Pattern CANNOT_MAP =
            Pattern.compile("Cannot map checkpoint/savepoint state for operator \\S+ to the new program[^.]*\\.");

    private SnapshotProblems() {}

    /**
     * The problem {@code flinkMessage} states, if it is one a user can act on: nothing at the path,
     * no {@code _metadata} there, a {@code _metadata} Flink cannot read, or state the job has no
     * operator for. {@code action} names what failed and the path ("cannot restore from s3://...").
     */
    public static Optional<SnapshotException> of(String flinkMessage, String action, @Nullable Throwable cause) {
        Matcher cannotMap = CANNOT_MAP.matcher(flinkMessage);
        if (cannotMap.find()) {
            return Optional.of(new SnapshotException(Reason.INCOMPATIBLE_STATE, action + ": " + cannotMap.group()
                    + " Give the operator its old uid back, or allow non-restored state if dropping its state is intended",
                    cause));
        }
        if (flinkMessage.contains("Cannot find checkpoint or savepoint")) {
            return Optional.of(new SnapshotException(Reason.SNAPSHOT_NOT_FOUND, action + ": nothing is there (as the"
                    + " JobManager sees it); check the path, and that the JobManager can reach its storage", cause));
        }
        if (flinkMessage.contains("Cannot find meta data file")) {
            return Optional.of(new SnapshotException(Reason.NOT_A_SNAPSHOT, action + ": the directory holds no _metadata"
                    + " file, so it is no savepoint or retained checkpoint; point at a savepoint-... or chk-... directory",
                    cause));
        }
        for (String phrase : new String[] {"Unexpected magic number", "Unrecognized checkpoint version"}) {
            int start = flinkMessage.indexOf(phrase);
            if (start >= 0) {
                int end = flinkMessage.indexOf('.', start);
                String sentence = flinkMessage.substring(start, end < 0 ? flinkMessage.length() : end).lines().findFirst()
                        .orElse(phrase);
                return Optional.of(new SnapshotException(Reason.CORRUPT_SNAPSHOT, action + ": Flink cannot read its"
                        + " _metadata file (" + sentence + "); it is damaged or was not written by Flink, restore from"
                        + " another snapshot", cause));
            }
        }
        return Optional.empty();
    }
}
