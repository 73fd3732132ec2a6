package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How the operator's status errors read on one line, and which snapshot problems they are. */
class OperatorErrorsTest {

    @Test
    void theOperatorsExceptionJsonReadsAsItsInnermostCause() {
        String error = TestingFlinkOperator.error("org.apache.flink.kubernetes.operator.exception.ReconciliationException",
                "java.lang.IllegalArgumentException: wrapped",
                "java.lang.IllegalArgumentException: Either the savepoint path in the spec or configuration\n"
                        + "execution.checkpointing.savepoint-dir in the Flink resource has to be supplied");

        assertThat(OperatorErrors.oneLine(error)).isEqualTo("IllegalArgumentException: Either the savepoint path in the spec"
                + " or configuration execution.checkpointing.savepoint-dir in the Flink resource has to be supplied");
    }

    @Test
    void aPlainSentenceStaysAsItIs() {
        assertThat(OperatorErrors.oneLine("Secondary resource orders (FlinkDeployment) for savepoint s1 is not running"))
                .isEqualTo("Secondary resource orders (FlinkDeployment) for savepoint s1 is not running");
        assertThat(OperatorErrors.oneLine(null)).isEqualTo("the operator recorded no error message");
        assertThat(OperatorErrors.oneLine("{not json")).isEqualTo("{not json");
    }

    @Test
    void aVeryLongErrorIsCut() {
        assertThat(OperatorErrors.oneLine("x".repeat(1000))).hasSize(403).endsWith("...");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Cannot find checkpoint or savepoint file/directory 's3://b/sp' on file system 's3'.|SNAPSHOT_NOT_FOUND",
        "Cannot find meta data file '_metadata' in directory 's3://b/sp'.|NOT_A_SNAPSHOT",
        "Unexpected magic number 0x1234|CORRUPT_SNAPSHOT",
        "Cannot map checkpoint/savepoint state for operator 1a2b to the new program, because the operator is not available in the new program.|INCOMPATIBLE_STATE",
    })
    void restoreProblemsHaveTheirReasons(String message, Reason reason) {
        String error = TestingFlinkOperator.error("org.apache.flink.runtime.JobException", "Recovery is suppressed",
                "java.lang.IllegalStateException: " + message);

        assertThat(OperatorErrors.snapshotProblem(error, "cannot start from s3://b/sp"))
                .get().extracting(SnapshotException::reason).isEqualTo(reason);
    }

    @Test
    void otherErrorsAreNoSnapshotProblem() {
        assertThat(OperatorErrors.snapshotProblem("java.io.IOException: Access Denied", "cannot start")).isEmpty();
        assertThat(OperatorErrors.snapshotProblem(null, "cannot start")).isEmpty();
    }
}
