package io.tidemark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The CLI's own jar under {@code target/}, which tests upload to a cluster as the job jar ({@code --jar}). */
final class CliJar {

    private CliJar() {}

    static Path path() throws IOException {
        try (var jars = Files.list(Path.of("target"))) {
            return jars.filter(p -> p.getFileName().toString().matches("tidemark-cli-.*\\.jar"))
                    .filter(p -> !p.getFileName().toString().endsWith("-tests.jar"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no target/tidemark-cli-*.jar: run ./mvnw verify"))
                    .toAbsolutePath();
        }
    }
}
