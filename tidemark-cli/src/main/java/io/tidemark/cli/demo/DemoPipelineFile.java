package io.tidemark.cli.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes the demo's {@code pipeline.yaml}: the PostgreSQL source, a JDBC sink and a Redis sink, with
 * routes sending every table to both, and the dead-letter queue in the JDBC sink's database (which
 * the Redis sink needs named). The passwords are in files of their own that the pipeline file only
 * refers to ({@code ${file:...}}), as a production file would.
 */
final class DemoPipelineFile {

    static final String SINK_NAME = "warehouse";
    static final String REDIS_SINK_NAME = "cache";

    private DemoPipelineFile() {}

    static Path write(Path workDir, DemoDatabase source, String sourcePassword, DemoDatabase sink, String sinkPassword,
            DemoRedis redis, DemoSettings settings) throws IOException {
        Path secrets = Files.createDirectories(workDir.resolve("secrets"));
        Path sourceSecret = secret(secrets.resolve("source-password"), sourcePassword);
        Path sinkSecret = secret(secrets.resolve("sink-password"), sinkPassword);
        String checkpoints = Files.createDirectories(workDir.resolve("checkpoints")).toUri().toString();
        String savepoints = Files.createDirectories(workDir.resolve("savepoints")).toUri().toString();
        StringBuilder tables = new StringBuilder();
        StringBuilder routes = new StringBuilder();
        for (String table : DemoSchema.TABLES) {
            tables.append("    - ").append(table).append('\n');
            for (String sinkName : new String[] {SINK_NAME, REDIS_SINK_NAME}) {
                routes.append("  - source-table: ").append(table).append('\n')
                        .append("    sink: ").append(sinkName).append('\n');
            }
        }
        String yaml = "# Written by `tidemark demo`: its embedded PostgreSQL servers and Redis, and local Flink cluster.\n"
                + "# Every key is described in docs/configuration.md.\n"
                + "\n"
                + "pipeline:\n"
                + "  name: demo\n"
                + "  parallelism: 2\n"
                + "\n"
                + "source:\n"
                + "  type: postgres\n"
                + "  hostname: 127.0.0.1\n"
                + "  port: " + source.port() + "\n"
                + "  database: " + source.database() + "\n"
                + "  username: " + DemoDatabase.USER + "\n"
                + "  password: ${file:" + sourceSecret + "}\n"
                + "  tables:\n" + tables
                + "  snapshot-chunk-size: 1000\n"
                + "\n"
                + "sinks:\n"
                + "  - name: " + SINK_NAME + "\n"
                + "    type: jdbc\n"
                + "    url: " + sink.jdbcUrl() + "\n"
                + "    username: " + DemoDatabase.USER + "\n"
                + "    password: ${file:" + sinkSecret + "}\n"
                + "    batch-size: 2000\n"
                + "    flush-interval: 100ms\n"
                + "  - name: " + REDIS_SINK_NAME + "\n"
                + "    type: redis\n"
                + "    uri: " + redis.uri() + "\n"
                + "    key-prefix: tidemark\n"
                + "    format: hash\n"
                + "    batch-size: 1000\n"
                + "    flush-interval: 100ms\n"
                + "\n"
                + "# With two sinks every table needs its routes: here each table goes to both.\n"
                + "routes:\n" + routes
                + "\n"
                + "# Changes a sink rejects wait here for `tidemark dlq replay`. A Redis sink has no database of its\n"
                + "# own, so the queue is named explicitly: a table in the PostgreSQL sink's database.\n"
                + "dead-letter-queue:\n"
                + "  url: " + sink.jdbcUrl() + "\n"
                + "  username: " + DemoDatabase.USER + "\n"
                + "  password: ${file:" + sinkSecret + "}\n"
                + "\n"
                + "checkpointing:\n"
                + "  interval: " + settings.checkpointInterval().toMillis() + "ms\n"
                + "  timeout: 60s\n"
                + "  min-pause: 500ms\n"
                + "  externalized-retention: RETAIN_ON_CANCELLATION\n"
                + "  checkpoints-dir: '" + checkpoints + "'\n"
                + "  savepoints-dir: '" + savepoints + "'\n";
        Path file = workDir.resolve("pipeline.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private static Path secret(Path file, String value) throws IOException {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, value + "\n");
        return file;
    }
}
