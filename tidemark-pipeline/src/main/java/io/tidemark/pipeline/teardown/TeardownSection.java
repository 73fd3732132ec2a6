package io.tidemark.pipeline.teardown;

import java.util.List;
import java.util.Objects;

/**
 * The steps of one side of a pipeline (its source, one sink), under the side's name as the pipeline
 * file gives it ({@code source postgres host:5432/shop}, {@code sinks.warehouse jdbc:postgresql://...}).
 */
public record TeardownSection(String title, List<TeardownStep> steps) {

    public TeardownSection {
        Objects.requireNonNull(title, "title cannot be null");
        steps = List.copyOf(steps);
    }
}
