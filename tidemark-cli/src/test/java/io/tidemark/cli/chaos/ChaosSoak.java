package io.tidemark.cli.chaos;

import io.tidemark.cli.PipelineJobMain;
import io.tidemark.cli.chaos.ChaosReport.FaultOutcome;
import io.tidemark.cli.chaos.ChaosReport.SinkCheck;
import io.tidemark.pipeline.sink.redis.EmbeddedRedis;
import io.tidemark.pipeline.sink.redis.RedisVersionWatcher;
import io.tidemark.pipeline.testing.MariaDbTestServer;
import io.tidemark.pipeline.testing.RestartablePostgres;
import io.tidemark.pipeline.testing.StandaloneFlinkCluster;
import io.tidemark.snapshot.JobSubmission;
import io.tidemark.snapshot.ProgressListener;
import io.tidemark.snapshot.rest.RestSnapshotService;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.RestoreMode;
import org.awaitility.core.ConditionTimeoutException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.awaitility.Awaitility.await;

/**
 * A chaos run (issue 16 item 3) on real parts: a PostgreSQL source streaming into a PostgreSQL sink
 * and a Redis sink, and a MariaDB source streaming into the same PostgreSQL sink server, as two jobs
 * from the production job jar on a standalone Flink cluster of separate JVMs, restarting as the
 * shipped manifest says. Both sources take a steady workload with poison rows mixed in; between
 * rounds of it, one fault at a time hits the middle of the stream ({@link FaultKind}), and the run
 * measures how long each took to heal: from the fault's start until a marker row written after it
 * is in every sink it hit. Then every sink is compared with its source ({@link ChaosChecks}).
 */
public final class ChaosSoak implements AutoCloseable {

    private static final String REDIS_KEYS = "chaos:public.orders:";
    private static final Path MANIFEST = Path.of("..", "deploy", "kubernetes", "base", "flinkdeployment.yaml");
    private static final Duration HEAL_TIMEOUT = Duration.ofMinutes(5);
    private static final int EXCEPTION_HISTORY = 10_000;

    private final ChaosSettings settings;
    private final Path dir;
    private final Path jobJar;
    private final List<FaultOutcome> outcomes = new ArrayList<>();
    /** Both jobs' restarts counted at each fault's start, and once more at the end. */
    private final List<Long> restartsAtFaults = new ArrayList<>();
    private final Deque<Integer> taskManagers = new ArrayDeque<>(List.of(0, 1));
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final List<AutoCloseable> resources = new ArrayList<>();

    private RestartablePostgres source;
    private RestartablePostgres sink;
    private MariaDbTestServer mariaDb;
    private String mariaDbName;
    private EmbeddedRedis redis;
    private StandaloneFlinkCluster cluster;
    private RedisVersionWatcher watcher;
    private ChaosWorkload postgresWorkload;
    private ChaosWorkload mariaDbWorkload;
    private JobID postgresJob;
    private JobID mariaDbJob;

    private ChaosSoak(ChaosSettings settings, Path dir, Path jobJar) {
        this.settings = settings;
        this.dir = dir.toAbsolutePath();
        this.jobJar = jobJar.toAbsolutePath();
    }

    /** Starts everything in {@code dir} (the processes' logs stay there), runs the soak and reports. */
    public static ChaosReport run(ChaosSettings settings, Path dir, Path jobJar) throws Exception {
        try (ChaosSoak soak = new ChaosSoak(settings, dir, jobJar)) {
            long started = System.nanoTime();
            soak.start();
            return soak.soak(started);
        }
    }

    private void start() throws Exception {
        source = keep(RestartablePostgres.start(dir.resolve("source-postgres")));
        sink = keep(RestartablePostgres.start(dir.resolve("sink-postgres")));
        mariaDb = keep(MariaDbTestServer.startPrivate(true));
        redis = keep(EmbeddedRedis.startPersistent());
        source.createDatabase("chaos", "orders");
        sink.createDatabase("chaos_pg", "orders-narrow-sink", "orders-audit");
        sink.createDatabase("chaos_maria", "orders-narrow-sink", "orders-audit");
        mariaDbName = mariaDb.createDatabase("chaos");
        mariaDb.runDdl(mariaDbName, "mysql/orders");

        postgresWorkload = keep(new ChaosWorkload("postgres", () -> source.connect("chaos"), 61,
                settings.changesPerSecond()));
        mariaDbWorkload = keep(new ChaosWorkload("mariadb", () -> mariaDb.connect(mariaDbName), 67,
                settings.changesPerSecond()));
        postgresWorkload.seed(settings.snapshotRows());
        mariaDbWorkload.seed(settings.snapshotRows());

        cluster = keep(StandaloneFlinkCluster.startDistribution(dir.resolve("cluster"), 2, 2, clusterConfiguration()));
        watcher = keep(RedisVersionWatcher.start(redis, REDIS_KEYS));
        try (RestSnapshotService rest = RestSnapshotService.connect(URI.create(cluster.client().getWebInterfaceURL()))) {
            postgresJob = submit(rest, postgresPipeline());
            mariaDbJob = submit(rest, mariaDbPipeline());
        }
        long copied = settings.snapshotRows() + 4;
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> sink.count("chaos_pg", "SELECT count(*) FROM orders") >= copied
                        && sink.count("chaos_maria", "SELECT count(*) FROM orders") >= copied
                        && redis.keys(REDIS_KEYS + "*").size() >= copied);
    }

    private ChaosReport soak(long started) throws Exception {
        long perRound = settings.changesPerSourceAndRound();
        Duration roundTimeout = Duration.ofSeconds(3 * perRound / settings.changesPerSecond()).plus(HEAL_TIMEOUT);
        for (int round = 0; round <= settings.faults(); round++) {
            long target = perRound * (round + 1);
            postgresWorkload.runUntil(target);
            mariaDbWorkload.runUntil(target);
            long halfway = target - perRound / 2;
            await().atMost(roundTimeout).pollInterval(Duration.ofMillis(50))
                    .until(() -> postgresWorkload.done() >= halfway && mariaDbWorkload.done() >= halfway);
            if (round == 0) {
                postgresWorkload.poison();
                mariaDbWorkload.poison();
            } else if (round == 1) {
                postgresWorkload.changePoisonedRowsAgain();
                mariaDbWorkload.changePoisonedRowsAgain();
            }
            if (round < settings.faults()) {
                outcomes.add(inject(round, FaultKind.values()[round % FaultKind.values().length]));
            }
            postgresWorkload.awaitTarget(roundTimeout);
            mariaDbWorkload.awaitTarget(roundTimeout);
        }
        try {
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2)).ignoreExceptions()
                    .until(() -> ChaosChecks.converged(source, "chaos", mariaDb, mariaDbName, sink, "chaos_pg",
                            "chaos_maria", redis, REDIS_KEYS));
        } catch (ConditionTimeoutException e) {
            System.err.println("ChaosSoak: the sinks did not converge in 5 minutes; the report counts the differences");
        }
        restartsAtFaults.add(restarts());
        List<FaultOutcome> faults = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            FaultOutcome fault = outcomes.get(i);
            faults.add(new FaultOutcome(fault.index(), fault.kind(), fault.changesBefore(), fault.healed(),
                    restartsAtFaults.get(i + 1) - restartsAtFaults.get(i)));
        }
        List<SinkCheck> sinks = List.of(
                ChaosChecks.postgresSink("PostgreSQL → PostgreSQL", source, "chaos", sink, "chaos_pg"),
                ChaosChecks.redisSink("PostgreSQL → Redis", source, "chaos", redis, REDIS_KEYS, watcher),
                ChaosChecks.mariaDbSink("MariaDB → PostgreSQL", mariaDb, mariaDbName, sink, "chaos_maria"));
        return new ChaosReport(settings, postgresWorkload.done(), mariaDbWorkload.done(), faults, sinks,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** Injects one fault, then writes a marker into each source it hit and waits until every sink has it. */
    private FaultOutcome inject(int index, FaultKind kind) throws Exception {
        long changesBefore = postgresWorkload.done() + mariaDbWorkload.done();
        restartsAtFaults.add(restarts());
        long started = System.nanoTime();
        System.err.printf("ChaosSoak: fault %d, %s, after %,d changes%n", index + 1, kind.description(), changesBefore);
        switch (kind) {
            case JOB_FAILURE -> await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                    .until(() -> source.count("postgres", "SELECT count(pg_terminate_backend(active_pid))"
                            + " FROM pg_replication_slots WHERE slot_name = 'chaos_pg' AND active_pid IS NOT NULL") > 0);
            case TASKMANAGER_KILLED -> {
                cluster.killTaskManager(taskManagers.removeFirst());
                await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                        .until(() -> cluster.registeredTaskManagers().size() == 1);
                taskManagers.addLast(cluster.startTaskManager(2));
            }
            case SINK_STOPPED -> {
                sink.stopServer();
                Thread.sleep(settings.sinkOutage().toMillis());
                sink.startServer();
            }
            case POSTGRES_RESTARTED -> postgresWorkload.withWritesStopped(source::restart);
            case REDIS_KILLED -> {
                redis.kill();
                Thread.sleep(1_000);
                redis.startServer();
            }
            case MARIADB_RESTARTED -> mariaDbWorkload.withWritesStopped(mariaDb::restart);
        }
        String note = "after fault " + (index + 1);
        List<Callable<Boolean>> arrived = new ArrayList<>();
        if (kind.hitsPostgresJob()) {
            long marker = postgresWorkload.insertMarker(index, note);
            arrived.add(() -> sink.count("chaos_pg", "SELECT count(*) FROM orders WHERE id = " + marker) == 1);
            arrived.add(() -> redis.commands().exists(REDIS_KEYS + marker) == 1);
        }
        if (kind.hitsMariaDbJob()) {
            long marker = mariaDbWorkload.insertMarker(index, note);
            arrived.add(() -> sink.count("chaos_maria", "SELECT count(*) FROM orders WHERE id = " + marker) == 1);
        }
        try {
            await().atMost(HEAL_TIMEOUT).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> allTrue(arrived));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("fault " + (index + 1) + " (" + kind.description() + ") did not heal in "
                    + HEAL_TIMEOUT.toMinutes() + " min; see the logs in " + dir.toAbsolutePath(), e);
        }
        Duration healed = Duration.ofNanos(System.nanoTime() - started);
        System.err.printf("ChaosSoak: fault %d healed in %.1f s%n", index + 1, healed.toMillis() / 1000.0);
        return new FaultOutcome(index, kind, changesBefore, healed, 0); // restarts: counted at the next fault
    }

    private static boolean allTrue(List<Callable<Boolean>> conditions) throws Exception {
        for (Callable<Boolean> condition : conditions) {
            if (!condition.call()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Both jobs' failures that made Flink restart them, counted in their exception histories (the
     * {@code numRestarts} metric reaches REST only every 10 s, through the JobManager's metric fetcher).
     * REST serves a job's history from a cache ({@code web.refresh-interval}, set to 200 ms here), so a
     * fault's restarts are the count at the next fault's start (or the end) less the count at its own.
     */
    private long restarts() throws Exception {
        long total = 0;
        for (JobID job : List.of(postgresJob, mariaDbJob)) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(cluster.client().getWebInterfaceURL() + "/jobs/"
                    + job + "/exceptions?maxExceptions=" + EXCEPTION_HISTORY)).timeout(Duration.ofSeconds(10)).build();
            JsonNode history = json.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body())
                    .path("exceptionHistory");
            if (history.path("truncated").asBoolean()) {
                throw new IllegalStateException("more than " + EXCEPTION_HISTORY + " failures of job " + job);
            }
            total += history.path("entries").size();
        }
        return total;
    }

    /**
     * The restart strategy of the shipped FlinkDeployment; unless the settings ask for it as it is,
     * with its backoff capped at 4 s, so that a short run's faults do not wait for a minute each.
     * And an exception history long enough to count every restart.
     */
    private Map<String, String> clusterConfiguration() throws Exception {
        JsonNode configuration = new ObjectMapper(new YAMLFactory()).readTree(MANIFEST.toFile())
                .path("spec").path("flinkConfiguration");
        Map<String, String> cluster = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = configuration.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().startsWith("restart-strategy")) {
                cluster.put(entry.getKey(), entry.getValue().asText());
            }
        }
        if (!"exponential-delay".equals(cluster.get("restart-strategy.type"))) {
            throw new IllegalStateException(MANIFEST + " no longer restarts with exponential-delay: " + cluster);
        }
        if (!settings.productionRestarts()) {
            cluster.put("restart-strategy.exponential-delay.max-backoff", "4 s");
        }
        cluster.put("web.exception-history-size", Integer.toString(EXCEPTION_HISTORY));
        cluster.put("web.refresh-interval", "200"); // milliseconds
        return cluster;
    }

    private JobID submit(RestSnapshotService rest, Path pipeline) throws Exception {
        return rest.submit(new JobSubmission(jobJar.toAbsolutePath(), PipelineJobMain.class.getName(),
                List.of("--config", pipeline.toString()), null, RestoreMode.NO_CLAIM, false), ProgressListener.NONE);
    }

    private Path postgresPipeline() throws Exception {
        return pipeline("chaos-pg", "source:\n  type: postgres\n  hostname: 127.0.0.1\n  port: " + source.port()
                + "\n  database: chaos\n  username: postgres\n  password: postgres\n  tables: [public.orders]\n"
                + "  slot-name: chaos_pg\n"
                + "sinks:\n" + jdbcSink("chaos_pg")
                + "  - name: cache\n    type: redis\n    uri: " + redis.uri() + "\n    key-prefix: chaos\n"
                + "    durability: aof\n"
                + "routes:\n  - {source-table: public.orders, sink: warehouse}\n"
                + "  - {source-table: public.orders, sink: cache}\n"
                + "dead-letter-queue:\n  url: " + sink.jdbcUrl("chaos_pg") + "\n  username: postgres\n"
                + "  password: postgres\n");
    }

    private Path mariaDbPipeline() throws Exception {
        return pipeline("chaos-maria", "source:\n  type: mysql\n  hostname: 127.0.0.1\n  port: " + mariaDb.port()
                + "\n  username: " + MariaDbTestServer.USER + "\n  password: " + MariaDbTestServer.PASSWORD
                + "\n  tables: [" + mariaDbName + ".orders]\n"
                + "sinks:\n" + jdbcSink("chaos_maria")
                + "routes:\n  - {source-table: " + mariaDbName + ".orders, sink: warehouse, sink-table: public.orders}\n");
    }

    private String jdbcSink(String database) {
        return "  - name: warehouse\n    type: jdbc\n    url: " + sink.jdbcUrl(database)
                + "\n    username: postgres\n    password: postgres\n    flush-interval: 100ms\n";
    }

    private Path pipeline(String name, String body) throws Exception {
        Path state = dir.resolve(name);
        String yaml = "pipeline:\n  name: " + name + "\n  parallelism: 2\n" + body
                + "checkpointing:\n  interval: 1s\n  timeout: 60s\n  min-pause: 200ms\n"
                + "  externalized-retention: RETAIN_ON_CANCELLATION\n"
                + "  checkpoints-dir: '" + state.resolve("checkpoints").toUri() + "'\n"
                + "  savepoints-dir: '" + state.resolve("savepoints").toUri() + "'\n";
        return Files.writeString(dir.resolve(name + ".yaml"), yaml);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        resources.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
