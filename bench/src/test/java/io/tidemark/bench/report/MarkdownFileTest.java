package io.tidemark.bench.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class MarkdownFileTest {

    @TempDir
    Path temp;

    @Test
    void replacesOnlyTheBlockBetweenTheMarkers() throws Exception {
        Path file = temp.resolve("benchmarks.md");
        Files.writeString(file, "# Benchmarks\n\nHow to run.\n\n" + MarkdownFile.BEGIN + "\nold numbers\n"
                + MarkdownFile.END + "\n\n## Method\n\nText.\n");

        MarkdownFile.writeResults(file, "new numbers\n");

        assertThat(Files.readString(file)).isEqualTo("# Benchmarks\n\nHow to run.\n\n" + MarkdownFile.BEGIN
                + "\nnew numbers\n" + MarkdownFile.END + "\n\n## Method\n\nText.\n");
    }

    @Test
    void appendsTheBlockToAFileWithoutMarkers() {
        assertThat(MarkdownFile.replaceResults("# Benchmarks\n", "numbers"))
                .isEqualTo("# Benchmarks\n\n" + MarkdownFile.BEGIN + "\nnumbers\n" + MarkdownFile.END + "\n");
    }

    @Test
    void createsAMissingFile() throws Exception {
        Path file = temp.resolve("new.md");

        MarkdownFile.writeResults(file, "numbers");

        assertThat(Files.readString(file)).isEqualTo(MarkdownFile.BEGIN + "\nnumbers\n" + MarkdownFile.END + "\n");
    }
}
