package io.tidemark.pipeline.teardown;

import java.util.Optional;

/**
 * What one side of a pipeline (its source, one sink) holds for the pipeline, and its removal:
 * {@link #plan()} reads the server and lists every object, {@link #execute()} removes what the plan
 * listed and reports what it did. A side whose objects are still in use refuses ({@link #refusal()}).
 */
public interface Teardown {

    /** Reads what is there; the steps say what {@link #execute()} would do with each object. */
    TeardownSection plan() throws Exception;

    /** After {@link #plan()}: why nothing may be removed now (a job still reads the source), if so. */
    default Optional<String> refusal() {
        return Optional.empty();
    }

    /** Removes what {@link #plan()} listed; the steps say what was done, with the rows actually deleted. */
    TeardownSection execute() throws Exception;
}
