package io.tidemark.bench.phase;

/** One measured phase of the bench; each run uses fresh databases. */
public interface Phase {

    /** The name printed in the results. */
    String name();

    /** Runs the phase once; {@code repetition} (from 1) keeps slot and database names apart. */
    PhaseResult run(int repetition) throws Exception;

    /** Runs the phase once with {@code changes} changes and discards the result; a no-op where nothing needs warming. */
    default void warmUp(int changes) throws Exception {}
}
