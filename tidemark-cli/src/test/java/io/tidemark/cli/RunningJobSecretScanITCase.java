package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.testing.PostgresTestBase;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The secret scan of a running job (issue 16 item 4; {@link SecretScanTest} covers the commands with
 * every server closed). {@code tidemark run} runs, as a user runs it (a JVM of its own with the CLI's
 * production logging, stopped with SIGTERM as Ctrl-C stops it), a pipeline from a PostgreSQL source
 * into a PostgreSQL sink and a Redis sink, with its dead-letter queue in PostgreSQL. Each user has a
 * distinctive password, which the servers require (PostgreSQL by SCRAM for these users, on the
 * replication connection too; Redis by {@code requirepass}), and the test shows that a wrong one is
 * refused: the source's and the queue's passwords are {@code ${file:...}} secrets, Redis's is a
 * {@code ${env:...}} secret, the JDBC sink's a literal (accepted for local use, with a warning).
 *
 * <p>The job snapshots the table into both sinks, streams a change, completes checkpoints, fails
 * once (its walsender terminated) and restarts, streams another change; the sinks and the queue lose
 * their connections (backends terminated, Redis {@code CLIENT KILL}) and connect again, with their
 * passwords, for the next changes; then the operator's commands run against it ({@code savepoint
 * trigger}, {@code checkpoint status}/{@code list}, {@code savepoint list}, {@code reconcile},
 * {@code dlq list}), and its Flink REST API is read ({@link FlinkRestReader}). No password, the literal included, may appear in the console, in a REST
 * response, in any log file the run or the commands wrote, or in any byte of the files under the
 * test's directory, read while the job runs (the run's work directory with Flink's temporary files,
 * the checkpoints, the savepoint) and again once it stopped. The literal is in the serialized job
 * graph, where it has no other way to the operators (see {@link SecretScanTest}): the test builds
 * that graph and finds it there, which shows that the same byte search would find any password
 * wherever it looked. (It found Flink CDC's log line with the source's password: see the CLI's
 * {@code log4j2.xml}.)
 */
class RunningJobSecretScanITCase extends PostgresTestBase {

    private static final int SNAPSHOT_ROWS = 50;
    private static final String REDIS_VARIABLE = "TIDEMARK_SCAN_REDIS";
    private static final String KEYS = "scan:public.orders:";
    private static final Pattern WEB_UI = Pattern.compile("Flink Web UI: (http://\\S+)");
    private static final Pattern JOB = Pattern.compile("Job ([0-9a-f]{32}) \\(tidemark-");

    private final String suffix = HexFormat.of().formatHex(SecureRandom.getSeed(3));
    private final String sourceUser = "scan_source_" + suffix;
    private final String sinkUser = "scan_sink_" + suffix;
    private final String queueUser = "scan_dlq_" + suffix;
    private final String slot = "scan_running_" + suffix;
    private final String sourcePassword = SecretScanner.secret("source");
    private final String sinkPassword = SecretScanner.secret("sink");
    private final String redisPassword = SecretScanner.secret("redis");
    private final String queuePassword = SecretScanner.secret("dlq");
    private final SecretScanner scanner = new SecretScanner(List.of(sourcePassword, sinkPassword, redisPassword, queuePassword));

    @TempDir
    Path dir;

    private String source;
    private String sink;
    private String queue;

    @Test
    void aRunningJobThatFailsOnceKeepsItsSecretsOutOfItsConsoleLogsRestApiAndState() throws Exception {
        createRoles();
        Process run = null;
        try (AutoCloseable passwords = requirePasswords(sourceUser, sinkUser, queueUser);
                EmbeddedRedis redis = EmbeddedRedis.start()) {
            assertThat(count("postgres", "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL")).isZero();
            createDatabases();
            redis.commands().configSet("requirepass", redisPassword);
            redis.commands().auth(redisPassword); // this connection stays authenticated across reconnects
            assertPasswordsRequired(redis);
            Path pipeline = writePipeline(redis);

            Path runTmp = Files.createDirectories(dir.resolve("run-tmp"));
            ProcessBuilder builder = new ProcessBuilder(SecretScanChildJvm.javaCommand(runTmp, List.of("-Xmx1g"),
                    Main.class.getName()));
            builder.command().addAll(List.of("run", pipeline.toString()));
            builder.environment().put(REDIS_VARIABLE, redisPassword);
            Path runOut = dir.resolve("run-stdout.txt");
            Path runErr = dir.resolve("run-stderr.txt");
            run = builder.redirectOutput(runOut.toFile()).redirectError(runErr.toFile()).start();
            Process running = run;
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
                assertThat(running.isAlive()).as("tidemark run ended early:\n%s\n%s", read(runOut), read(runErr)).isTrue();
                return JOB.matcher(read(runOut)).find();
            });
            URI rest = URI.create(find(WEB_UI, read(runOut)) + "/");
            String job = find(JOB, read(runOut));
            FlinkRestReader restApi = new FlinkRestReader(rest);

            // snapshot into both sinks, then a streamed change
            awaitRow(redis, SNAPSHOT_ROWS);
            execute(source, "INSERT INTO orders VALUES (" + (SNAPSHOT_ROWS + 1) + ", 'streamed', 1)");
            awaitRow(redis, SNAPSHOT_ROWS + 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> restApi.json("jobs/" + job + "/checkpoints")
                    .path("counts").path("completed").asInt() > 0);

            // the job fails once: its walsender is terminated, Flink restarts it from the checkpoint
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> count("postgres",
                    "SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE slot_name = '"
                            + slot + "' AND active_pid IS NOT NULL") > 0);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> restApi.json(
                    "jobs/" + job + "/exceptions").path("exceptionHistory").path("entries").size() > 0);
            execute(source, "INSERT INTO orders VALUES (" + (SNAPSHOT_ROWS + 2) + ", 'after the failure', 2)");
            awaitRow(redis, SNAPSHOT_ROWS + 2);
            // then the sinks and the queue lose their connections: they connect again, with their passwords
            long sinkConnections = count("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE usename = '" + sinkUser + "'");
            long queueConnections = count("postgres", "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE usename = '" + queueUser + "'");
            Long redisConnections = redis.commands().clientKill(KillArgs.Builder.typeNormal());
            assertThat(sinkConnections + queueConnections).as("the JDBC sink's and the queue's connections").isPositive();
            assertThat(redisConnections).as("the Redis sink's connections").isPositive();
            execute(source, "INSERT INTO orders VALUES (" + (SNAPSHOT_ROWS + 3) + ", 'after the disconnect', 3)",
                    "UPDATE orders SET amount = amount + 1 WHERE id = 1");
            awaitRow(redis, SNAPSHOT_ROWS + 3);
            awaitRow(redis, 1);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .until(() -> restApi.json("jobs/" + job).path("state").asText().equals("RUNNING")); // REST caches 3 s

            String operator = operatorCommands(pipeline, rest, job);
            restApi.readAll(job);
            assertThat(restApi.json("jobs/" + job + "/exceptions?maxExceptions=100").path("exceptionHistory").path("entries"))
                    .as("the failure is in the history").isNotEmpty();
            assertThat(restApi.responses().get("jobs/" + job + "/plan")).contains("warehouse", "cache");
            Map<String, Integer> whileRunning = scanFiles("while the job runs");

            run.destroy(); // SIGTERM: what Ctrl-C does
            assertThat(run.waitFor(90, TimeUnit.SECONDS)).as("tidemark run stops on SIGTERM").isTrue();
            String out = read(runOut);
            String err = read(runErr);
            assertThat(out).as(err).contains("Logs: ", "is running", "Stopping: cancelling the job", "Stopped.");
            assertThat(err).contains("tidemark: warning: sinks[0].password is a literal value");

            scanner.scanText("tidemark run: stdout", out);
            scanner.scanText("tidemark run: stderr", err);
            scanner.scanText("operator commands: stdout and stderr", operator);
            restApi.responses().forEach((path, body) -> scanner.scanText("REST " + path, body));
            scanLogAndFiles(runTmp, find(Pattern.compile("Logs: (\\S+)"), out), whileRunning, restApi.responses());
            assertTheSearchFindsTheLiteral(pipeline);
            scanner.assertNoLeaks("secrets found (%s REST responses scanned)", restApi.responses().size());
        } finally {
            if (run != null) {
                run.destroyForcibly();
                run.waitFor(30, TimeUnit.SECONDS);
            }
            execute("postgres", "SELECT pg_drop_replication_slot(slot_name) FROM"
                    + " pg_replication_slots WHERE slot_name = '" + slot + "' AND active_pid IS NULL");
        }
    }

    /** The test's users, with their passwords (required from loopback by {@link #requirePasswords}). */
    private void createRoles() {
        execute("postgres",
                "CREATE ROLE " + sourceUser + " LOGIN REPLICATION PASSWORD '" + sourcePassword + "'",
                "CREATE ROLE " + sinkUser + " LOGIN PASSWORD '" + sinkPassword + "'",
                "CREATE ROLE " + queueUser + " LOGIN PASSWORD '" + queuePassword + "'");
    }

    /** The source owns its table (its publication needs that), the sink and the queue their databases. */
    private void createDatabases() throws Exception {
        source = createDatabase("scan_src");
        sink = createDatabase("scan_sink");
        queue = createDatabase("scan_dlq");
        execute("postgres", "ALTER DATABASE " + source + " OWNER TO " + sourceUser,
                "ALTER DATABASE " + sink + " OWNER TO " + sinkUser, "ALTER DATABASE " + queue + " OWNER TO " + queueUser);
        String table = "CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, amount int NOT NULL)";
        execute(source, table, "ALTER TABLE orders REPLICA IDENTITY FULL", "ALTER TABLE orders OWNER TO " + sourceUser,
                "INSERT INTO orders SELECT g, 'customer ' || g, g FROM generate_series(1, " + SNAPSHOT_ROWS + ") g");
        try (Connection c = DriverManager.getConnection(jdbcUrl(sink), sinkUser, sinkPassword); Statement st = c.createStatement()) {
            st.execute(table);
        }
    }

    /** A wrong password is refused, by PostgreSQL (for a replication connection too) and by Redis; no password either. */
    private void assertPasswordsRequired(EmbeddedRedis redis) throws Exception {
        Map<String, String> users = Map.of(sourceUser, source, sinkUser, sink, queueUser, queue);
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> users.forEach((user, database) ->
                assertThatThrownBy(() -> DriverManager.getConnection(jdbcUrl(database), user, "not-the-password").close())
                        .hasMessageContaining("password authentication failed for user \"" + user + "\"")));
        Properties replication = new Properties();
        replication.setProperty("user", sourceUser);
        replication.setProperty("password", "not-the-password");
        replication.setProperty("replication", "database");
        replication.setProperty("preferQueryMode", "simple");
        assertThatThrownBy(() -> DriverManager.getConnection(jdbcUrl(source), replication).close())
                .hasMessageContaining("password authentication failed for user \"" + sourceUser + "\"");
        try (Connection c = DriverManager.getConnection(jdbcUrl(queue), queueUser, queuePassword)) {
            assertThat(c.isValid(5)).isTrue();
        }
        RedisClient probe = RedisClient.create();
        try {
            assertThatThrownBy(() -> ping(probe, RedisURI.create(redis.uri()))).hasStackTraceContaining("NOAUTH");
            RedisURI wrong = RedisURI.create(redis.uri());
            wrong.setPassword("not-the-password".toCharArray());
            assertThatThrownBy(() -> ping(probe, wrong)).hasStackTraceContaining("WRONGPASS");
        } finally {
            probe.shutdown();
        }
    }

    private static void ping(RedisClient client, RedisURI uri) {
        try (StatefulRedisConnection<String, String> connection = client.connect(uri)) {
            connection.sync().ping();
        }
    }

    private Path writePipeline(EmbeddedRedis redis) throws IOException {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        Path sourceFile = secrets.resolve("source-password");
        Path queueFile = secrets.resolve("dlq-password");
        for (Map.Entry<Path, String> secret : Map.of(sourceFile, sourcePassword, queueFile, queuePassword).entrySet()) {
            Files.createFile(secret.getKey(), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(secret.getKey(), secret.getValue() + "\n");
        }
        return Files.writeString(dir.resolve("pipeline.yaml"), "pipeline:\n  name: scan-running\n  parallelism: 1\n"
                + "source:\n  type: postgres\n  hostname: 127.0.0.1\n  port: " + port() + "\n  database: " + source
                + "\n  username: " + sourceUser + "\n  password: '${file:" + sourceFile + "}'\n  tables: [public.orders]\n"
                + "  slot-name: " + slot + "\n"
                + "sinks:\n  - name: warehouse\n    type: jdbc\n    url: " + jdbcUrl(sink) + "\n    username: " + sinkUser
                + "\n    password: " + sinkPassword + "\n    flush-interval: 100ms\n"
                + "  - name: cache\n    type: redis\n    uri: " + redis.uri() + "\n    password: '${env:" + REDIS_VARIABLE + "}'\n"
                + "    key-prefix: scan\n    flush-interval: 100ms\n"
                + "routes:\n  - {source-table: public.orders, sink: warehouse}\n  - {source-table: public.orders, sink: cache}\n"
                + "dead-letter-queue:\n  url: " + jdbcUrl(queue) + "\n  username: " + queueUser
                + "\n  password: '${file:" + queueFile + "}'\n"
                + "checkpointing:\n  interval: 1s\n  min-pause: 200ms\n  externalized-retention: RETAIN_ON_CANCELLATION\n"
                + "  checkpoints-dir: '" + dir.resolve("checkpoints").toUri() + "'\n"
                + "  savepoints-dir: '" + dir.resolve("savepoints").toUri() + "'\n");
    }

    /** Waits until the row {@code id} of the source, as it is now, is in the JDBC sink and in Redis. */
    private void awaitRow(EmbeddedRedis redis, int id) {
        String where = " FROM orders WHERE id = " + id;
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() ->
                single(sink, "SELECT customer || '/' || amount" + where).equals(single(source, "SELECT customer || '/' || amount" + where))
                        && String.valueOf(count(source, "SELECT amount" + where)).equals(redis.commands().hget(KEYS + id, "amount")));
    }

    /**
     * The operator's commands against the running job, in a JVM of their own given the Redis
     * password's variable; each must succeed. Returns what they printed.
     */
    private String operatorCommands(Path pipeline, URI rest, String job) throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("operator-tmp"));
        String file = pipeline.toString();
        String address = rest.toString();
        List<String> command = SecretScanChildJvm.javaCommand(tmp, List.of("-Xmx1g",
                "-D" + SecretScanChildJvm.GROUP_SECONDS_PROPERTY + "=60"), SecretScanChildJvm.class.getName());
        List<List<String>> commands = List.of(
                List.of("savepoint", "trigger", job, "--rest-address", address, "--config", file),
                List.of("checkpoint", "status", job, "--rest-address", address),
                List.of("checkpoint", "list", "--config", file),
                List.of("savepoint", "list", "--config", file),
                List.of("reconcile", file),
                List.of("dlq", "list", file));
        for (List<String> args : commands) {
            command.addAll(args);
            command.add(SecretScanChildJvm.NEXT);
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("operator-output.txt").toFile());
        builder.environment().put(REDIS_VARIABLE, redisPassword);
        Process process = builder.start();
        try {
            assertThat(process.waitFor(3, TimeUnit.MINUTES)).as("the operator commands end").isTrue();
        } finally {
            process.destroyForcibly();
        }
        String output = read(dir.resolve("operator-output.txt"));
        assertThat(output.lines().filter(line -> line.startsWith("=== exit 0 "))).as(output).hasSize(commands.size());
        assertThat(output).contains(SecretScanChildJvm.DONE, "EQUAL").doesNotContain("DIFFERENT");
        return output;
    }

    /**
     * Every file the run and the commands wrote, once while the job runs (the run's work directory:
     * its log file, Flink's blobs, uploads and temporary files; the checkpoints), and again once the
     * run stopped (the log file with the shutdown, the retained checkpoint, the savepoint, the operator
     * commands' directory). Returns how many files it scanned where.
     */
    private Map<String, Integer> scanFiles(String when) throws IOException {
        Map<String, Integer> scanned = new TreeMap<>();
        List<Path> files = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    files.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE; // a temporary file or directory gone since it was listed
            }
        });
        for (Path file : files) {
            if (file.startsWith(dir.resolve("secrets")) || file.equals(dir.resolve("pipeline.yaml"))) {
                continue; // the test's inputs
            }
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException deleted) {
                continue; // a temporary file gone since the walk
            }
            if (file.getFileName().toString().matches(".*\\.(log|txt)")) {
                scanner.scanText(when + ": " + file, new String(bytes, StandardCharsets.UTF_8)); // with the line
            }
            scanner.scanBytes(when + ": " + file, bytes);
            Path under = dir.relativize(file);
            String where = under.toString()
                    .replaceAll("tidemark-run-[0-9]+", "tidemark-run-*").replaceAll("[0-9a-f]{32}", "JOB")
                    .replaceAll("chk-[0-9]+", "chk-N").replaceAll("savepoint-[0-9a-f]+-[0-9a-f]+", "savepoint-*");
            scanned.merge(where, 1, Integer::sum);
        }
        return scanned;
    }

    private void scanLogAndFiles(Path runTmp, String logFile, Map<String, Integer> whileRunning,
            Map<String, String> responses) throws IOException {
        assertThat(Path.of(logFile)).startsWith(runTmp).isNotEmptyFile();
        String log = read(Path.of(logFile));
        // the log is the run's own, with the source's replication and the failure in it
        assertThat(log).contains(slot, "Database connection failed when reading from copy",
                "switched from state RUNNING to RESTARTING");
        Map<String, Integer> afterStop = scanFiles("after the run stopped");
        try (Stream<Path> savepoints = Files.list(dir.resolve("savepoints"))) {
            assertThat(savepoints).as("the savepoint").singleElement().satisfies(s -> assertThat(s.resolve("_metadata")).isNotEmptyFile());
        }
        assertThat(whileRunning.keySet()).as("files while the job ran").anyMatch(where -> where.contains("flink-tmp"))
                .anyMatch(where -> where.startsWith("checkpoints"));
        System.out.println("RunningJobSecretScanITCase: tidemark run printed:\n" + read(dir.resolve("run-stdout.txt"))
                + read(dir.resolve("run-stderr.txt")));
        System.out.println("RunningJobSecretScanITCase: files scanned while the job ran " + whileRunning + ", after it stopped "
                + afterStop + "; REST responses " + responses.size() + ", of which not 200: " + responses.entrySet().stream()
                        .filter(r -> !r.getValue().startsWith("200 ")).map(Map.Entry::getKey).toList());
    }

    /** The literal is in the job graph's serialized operators, where the byte search finds it. */
    private void assertTheSearchFindsTheLiteral(Path pipeline) throws Exception {
        JobGraphOutputs graph = JobGraphOutputs.of(PipelineConfigLoader.load(pipeline));
        SecretScanner literal = new SecretScanner(List.of(sinkPassword));
        literal.scanBytes("serialized job graph", graph.bytes());
        assertThat(literal.leaks()).as("the literal found in the serialized operators").hasSize(1);
        scanner.without(sinkPassword).scanBytes("serialized job graph", graph.bytes());
        scanner.scanText("execution plan, JSON plan, job and vertex configuration", graph.visible());
    }

    private static String find(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        assertThat(m.find()).as("%s in:\n%s", pattern, text).isTrue();
        return m.group(1);
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private static String single(String database, String sql) throws Exception {
        try (Connection c = connect(database); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
