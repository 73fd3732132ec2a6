package io.tidemark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@code pipeline.yaml} for the CLI's cluster tests: a PostgreSQL (or MariaDB) source on a test server, the
 * sinks and routes a test adds, and checkpoints every second into the test's directory. Passwords
 * are literals (the embedded servers trust loopback).
 */
final class PipelineFile {

    private final String name;
    private final StringBuilder source = new StringBuilder();
    private final StringBuilder sinks = new StringBuilder();
    private final StringBuilder routes = new StringBuilder();
    private final StringBuilder deadLetterQueue = new StringBuilder();
    private int parallelism = 1;

    private PipelineFile(String name) {
        this.name = name;
    }

    /** A pipeline reading {@code tables} of {@code database} through the slot and publication {@code slot}. */
    static PipelineFile postgres(String name, int port, String database, String slot, List<String> tables) {
        PipelineFile file = new PipelineFile(name);
        file.source.append("source:\n  type: postgres\n  hostname: 127.0.0.1\n  port: ").append(port)
                .append("\n  database: ").append(database).append("\n  username: postgres\n  password: postgres\n")
                .append("  tables: [").append(String.join(", ", tables)).append("]\n  slot-name: ").append(slot)
                .append("\n  publication-name: ").append(slot).append('\n');
        return file;
    }

    /** A pipeline reading {@code tables} of a MySQL or MariaDB server as the test user {@code tidemark}. */
    static PipelineFile mysql(String name, int port, List<String> tables) {
        PipelineFile file = new PipelineFile(name);
        file.source.append("source:\n  type: mysql\n  hostname: 127.0.0.1\n  port: ").append(port)
                .append("\n  username: tidemark\n  password: tidemark\n  tables: [").append(String.join(", ", tables))
                .append("]\n");
        return file;
    }

    PipelineFile parallelism(int value) {
        parallelism = value;
        return this;
    }

    PipelineFile jdbcSink(String sink, String url, String username, String password) {
        sinks.append("  - name: ").append(sink).append("\n    type: jdbc\n    url: ").append(url)
                .append("\n    username: ").append(username).append("\n    password: ").append(password).append('\n');
        return this;
    }

    PipelineFile redisSink(String sink, String uri, String keyPrefix) {
        sinks.append("  - name: ").append(sink).append("\n    type: redis\n    uri: ").append(uri)
                .append("\n    key-prefix: ").append(keyPrefix).append('\n');
        return this;
    }

    /** A route into the sink's table of the same name. */
    PipelineFile route(String table, String sink) {
        routes.append("  - {source-table: ").append(table).append(", sink: ").append(sink).append("}\n");
        return this;
    }

    PipelineFile route(String table, String sink, String sinkTable) {
        routes.append("  - {source-table: ").append(table).append(", sink: ").append(sink).append(", sink-table: ")
                .append(sinkTable).append("}\n");
        return this;
    }

    /** The dead-letter queue in a PostgreSQL database of the test server (a Redis sink needs one named). */
    PipelineFile deadLetterQueue(String url) {
        deadLetterQueue.append("dead-letter-queue:\n  url: ").append(url)
                .append("\n  username: postgres\n  password: postgres\n");
        return this;
    }

    /** Writes the file as {@code dir/fileName}, with checkpoints and savepoints under {@code dir}. */
    Path write(Path dir, String fileName) throws IOException {
        String yaml = "pipeline:\n  name: " + name + "\n  parallelism: " + parallelism + "\n" + source
                + "sinks:\n" + sinks + "routes:\n" + routes + deadLetterQueue
                + "checkpointing:\n  interval: 1s\n  checkpoints-dir: " + dir.resolve("checkpoints").toUri()
                + "\n  savepoints-dir: " + dir.resolve("savepoints").toUri() + "\n";
        return Files.writeString(dir.resolve(fileName), yaml);
    }
}
