package io.tidemark.cli;

import io.tidemark.pipeline.config.ConfigException;
import io.tidemark.pipeline.source.SourcePositionLostException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class ExitCodesTest {

    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(new ConfigException(List.of("source.port: expected 1..65535, got 70000")), ExitCodes.BAD_CONFIGURATION),
                Arguments.of(new CommandLine.ParameterException(new CommandLine(new Main()), "bad"), ExitCodes.USAGE),
                Arguments.of(new NotFoundException("savepoint x does not exist"), ExitCodes.NOT_FOUND),
                Arguments.of(new NoSuchFileException("/x"), ExitCodes.NOT_FOUND),
                Arguments.of(new TimeoutException("took too long"), ExitCodes.TIMEOUT),
                Arguments.of(new IncompatibleStateException("cannot map", null), ExitCodes.INCOMPATIBLE_STATE),
                Arguments.of(new SourcePositionLostException("slot gone"), ExitCodes.INCOMPATIBLE_STATE),
                Arguments.of(new InterruptedException("stopped"), ExitCodes.INTERRUPTED),
                Arguments.of(new IllegalStateException("broken"), ExitCodes.FAILURE),
                Arguments.of(new RuntimeException(), ExitCodes.FAILURE),
                // the wrappers of futures are looked through
                Arguments.of(new ExecutionException(new TimeoutException("late")), ExitCodes.TIMEOUT),
                Arguments.of(new CompletionException(new ExecutionException(new NotFoundException("gone"))), ExitCodes.NOT_FOUND),
                Arguments.of(new ExecutionException(new IllegalStateException("x")), ExitCodes.FAILURE));
    }

    @ParameterizedTest
    @MethodSource("failures")
    void eachKindOfFailureHasItsCode(Throwable failure, int expected) {
        assertThat(ExitCodes.of(failure)).isEqualTo(expected);
    }

    @Test
    void codesAreDistinct() {
        List<Integer> codes = List.of(ExitCodes.OK, ExitCodes.FAILURE, ExitCodes.USAGE, ExitCodes.BAD_CONFIGURATION,
                ExitCodes.NOT_FOUND, ExitCodes.TIMEOUT, ExitCodes.INCOMPATIBLE_STATE, ExitCodes.INTERRUPTED);
        assertThat(codes).doesNotHaveDuplicates().containsExactly(0, 1, 2, 3, 4, 5, 6, 130);
    }

    @Test
    void configExceptionPrintsEveryProblem() {
        ConfigException e = new ConfigException(List.of("a: one", "b: two"));

        assertThat(ExitCodes.messages(new ExecutionException(e))).containsExactly("a: one", "b: two");
    }

    @Test
    void multiLineMessagesArePrintedLineByLine() {
        assertThat(ExitCodes.messages(new IllegalStateException("first\n\nsecond\n"))).containsExactly("first", "second");
    }

    @Test
    void aFailureWithoutMessageIsNamed() {
        assertThat(ExitCodes.messages(new TimeoutException())).containsExactly("timed out");
        assertThat(ExitCodes.messages(new NullPointerException())).containsExactly("java.lang.NullPointerException");
        assertThat(ExitCodes.messages(new NoSuchFileException("/x/y.yaml"))).containsExactly("/x/y.yaml: no such file");
    }
}
