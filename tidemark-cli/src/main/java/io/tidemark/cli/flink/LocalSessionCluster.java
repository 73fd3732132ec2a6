package io.tidemark.cli.flink;

import io.tidemark.snapshot.storage.SnapshotInfo;
import io.tidemark.snapshot.SnapshotKind;
import io.tidemark.snapshot.storage.SnapshotStorage;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A Flink session cluster on this machine that outlives the command that started it, as Flink's
 * {@code start-cluster.sh} starts one: a JobManager ({@link StandaloneSessionClusterEntrypoint}) and
 * TaskManagers ({@link TaskManagerRunner}) as background JVM processes, each sized the way Flink's
 * scripts size them ({@link TaskExecutorProcessUtils}, {@link JobManagerProcessUtils}). Jobs are
 * submitted to it through its REST API and outlive each other: cancel one, restore another from its
 * savepoint, which is what the spec's two scripts need locally.
 *
 * <p>The processes run on this CLI's class path, so Tidemark, its connectors and drivers are in the
 * cluster's {@code lib/} as in the Docker image; the job jar uploaded by {@code tidemark restore}
 * and {@code tidemark run --rest-address} brings the entry class. Every port binds to loopback only:
 * a session cluster runs any jar it is sent. Its directory holds the configuration, the logs, the
 * default savepoint directory and {@code cluster.json} ({@link SessionClusterState}).
 */
public final class LocalSessionCluster {

    /** The directory a cluster uses when none is given: {@code $TIDEMARK_CLUSTER_DIR}, else {@code ~/.tidemark/cluster}. */
    public static final String DIR_ENV = "TIDEMARK_CLUSTER_DIR";

    private static final String LOOPBACK = "127.0.0.1";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration STOP_GRACE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What to start: where, on which REST port, how many TaskManagers with how many slots, and further Flink options. */
    public record Settings(Path dir, int port, int taskManagers, int slotsPerTaskManager, Map<String, String> flinkOptions) {
        public Settings {
            flinkOptions = Map.copyOf(flinkOptions);
        }
    }

    /** A job that was still running when the cluster stopped, and where its last completed checkpoint is. */
    public record StoppedJob(String id, String name, Optional<String> lastCheckpoint) {}

    private LocalSessionCluster() {}

    /** The default cluster directory. */
    public static Path defaultDir() {
        String fromEnv = System.getenv(DIR_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        return Path.of(System.getProperty("user.home"), ".tidemark", "cluster");
    }

    /** The cluster recorded in {@code dir} whose JobManager still runs, if any. */
    public static Optional<SessionClusterState> running(Path dir) throws IOException {
        return SessionClusterState.read(dir).filter(state -> state.alive().containsKey("jobmanager"));
    }

    /**
     * Starts the cluster and returns once every TaskManager registered with the JobManager. A cluster
     * that does not come up is stopped again, with the line from its log that says why.
     */
    public static SessionClusterState start(Settings settings) throws Exception {
        Path dir = settings.dir().toAbsolutePath().normalize();
        Optional<SessionClusterState> previous = SessionClusterState.read(dir);
        if (previous.isPresent()) {
            if (!previous.get().alive().isEmpty()) {
                throw new IllegalStateException(alreadyRuns(previous.get()));
            }
            previous.get().delete(); // left behind by processes that ended without `cluster stop`
        }
        Map<String, String> options = configuration(dir, settings);
        Path conf = Files.createDirectories(dir.resolve("conf"));
        Files.createDirectories(dir.resolve("log"));
        writeConfig(conf.resolve("config.yaml"), options);
        writeLogConfig(conf.resolve("log4j.properties"));
        Configuration flink = Configuration.fromMap(options);

        Map<String, Long> pids = new LinkedHashMap<>();
        JobManagerProcessSpec jobManager =
                JobManagerProcessUtils.processSpecFromConfigWithNewOptionToInterpretLegacyHeap(flink, JobManagerOptions.JVM_HEAP_MEMORY);
        pids.put("jobmanager", launch(dir, "jobmanager", StandaloneSessionClusterEntrypoint.class,
                words(JobManagerProcessUtils.generateJvmParametersStr(jobManager, flink)),
                words(JobManagerProcessUtils.generateDynamicConfigsStr(jobManager))));
        TaskExecutorProcessSpec taskManager = TaskExecutorProcessUtils.processSpecFromConfig(flink);
        for (int i = 0; i < settings.taskManagers(); i++) {
            pids.put("taskmanager-" + i, launch(dir, "taskmanager-" + i, TaskManagerRunner.class,
                    words(ProcessMemoryUtils.generateJvmParametersStr(taskManager)),
                    words(TaskExecutorProcessUtils.generateDynamicConfigsStr(taskManager))));
        }
        SessionClusterState state = new SessionClusterState(dir, settings.port(), Instant.now(), pids);
        state.write(); // before waiting: `cluster stop` finds what was started even if this start is interrupted
        try {
            awaitTaskManagers(state, settings.taskManagers());
            return state;
        } catch (Exception e) {
            stop(dir);
            throw e;
        }
    }

    /** The line that refuses to start a second cluster from the directory of {@code running}. */
    public static String alreadyRuns(SessionClusterState running) {
        return "a local Flink cluster already runs from " + running.dir() + " (REST " + running.restAddress()
                + "); stop it first with: tidemark cluster stop --dir " + running.dir();
    }

    /**
     * Stops the cluster recorded in {@code dir}: SIGTERM to every process (Flink's own shutdown), then
     * SIGKILL to any still running after 30 s. Returns the jobs that were running, which Flink
     * suspends, keeping their retained checkpoints; empty if no cluster was recorded there.
     */
    public static Optional<List<StoppedJob>> stop(Path dir) throws Exception {
        Optional<SessionClusterState> recorded = SessionClusterState.read(dir.toAbsolutePath().normalize());
        if (recorded.isEmpty()) {
            return Optional.empty();
        }
        SessionClusterState state = recorded.get();
        Map<String, ProcessHandle> alive = state.alive();
        List<StoppedJob> jobs = alive.containsKey("jobmanager") ? runningJobs(state.restAddress()) : List.of();
        alive.values().forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ProcessHandle process : alive.values()) {
            long left = Math.max(0, deadline - System.nanoTime());
            try {
                process.onExit().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                process.destroyForcibly();
                process.onExit().get(10, TimeUnit.SECONDS);
            }
        }
        state.delete();
        return Optional.of(jobs.stream().map(LocalSessionCluster::retained).toList());
    }

    /**
     * {@code job} with the newest complete checkpoint its checkpoint directory holds now that the
     * cluster stopped: checkpoints go on until the JobManager ends, and each new one subsumes the one
     * the REST API named a moment before.
     */
    private static StoppedJob retained(StoppedJob job) {
        if (job.lastCheckpoint().isEmpty()) {
            return job;
        }
        String named = job.lastCheckpoint().get();
        String jobDirectory = named.substring(0, named.replaceAll("/+$", "").lastIndexOf('/'));
        try {
            Optional<String> newest = SnapshotStorage.create(new Configuration()).list(List.of(jobDirectory)).stream()
                    .filter(SnapshotInfo::complete)
                    .filter(snapshot -> snapshot.kind() == SnapshotKind.CHECKPOINT)
                    .map(SnapshotInfo::path)
                    .findFirst();
            return new StoppedJob(job.id(), job.name(), newest);
        } catch (IOException e) {
            return job; // storage not readable from here: what the cluster last said
        }
    }

    /** The jobs the cluster at {@code rest} runs now, with their last completed checkpoint; empty if it does not answer. */
    public static List<StoppedJob> runningJobs(URI rest) {
        try {
            List<StoppedJob> jobs = new ArrayList<>();
            for (JsonNode job : get(rest, "/jobs/overview").path("jobs")) {
                String state = job.path("state").asText();
                if (!List.of("FINISHED", "CANCELED", "FAILED").contains(state)) {
                    String id = job.path("jid").asText();
                    String path = get(rest, "/jobs/" + id + "/checkpoints").path("latest").path("completed")
                            .path("external_path").asText("");
                    jobs.add(new StoppedJob(id, job.path("name").asText(), path.isEmpty() ? Optional.empty() : Optional.of(path)));
                }
            }
            return jobs;
        } catch (Exception e) {
            return List.of();
        }
    }

    /** The TaskManagers registered with the JobManager at {@code rest}, and their free and total slots. */
    public static int[] taskManagersAndSlots(URI rest) throws Exception {
        JsonNode overview = get(rest, "/overview");
        return new int[] {overview.path("taskmanagers").asInt(), overview.path("slots-available").asInt(),
            overview.path("slots-total").asInt()};
    }

    private static Map<String, String> configuration(Path dir, Settings settings) throws IOException {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("jobmanager.rpc.address", LOOPBACK);
        options.put("jobmanager.rpc.port", Integer.toString(freePort()));
        options.put("jobmanager.bind-host", LOOPBACK);
        options.put("jobmanager.memory.process.size", "1600m");
        options.put("taskmanager.host", LOOPBACK);
        options.put("taskmanager.bind-host", LOOPBACK);
        options.put("taskmanager.memory.process.size", "1728m");
        options.put("taskmanager.numberOfTaskSlots", Integer.toString(settings.slotsPerTaskManager()));
        options.put("rest.address", LOOPBACK);
        options.put("rest.bind-address", LOOPBACK);
        options.put("rest.port", Integer.toString(settings.port()));
        options.put("web.submit.enable", "true");
        options.put("web.cancel.enable", "true");
        options.put("web.upload.dir", dir.resolve("uploads").toString());
        options.put("io.tmp.dirs", dir.resolve("tmp").toString());
        options.put("execution.checkpointing.savepoint-dir", dir.resolve("savepoints").toUri().toString());
        // Tidemark's failure enricher, from $FLINK_PLUGINS_DIR/tidemark-failure-enricher (the launcher's
        // tidemark-cli/target/plugins): each failure's cause as a label, and the job's tidemark* failure metrics
        options.put("jobmanager.failure-enrichers", io.tidemark.failure.FailureEnricherOptions.ENRICHER_CLASS);
        options.putAll(settings.flinkOptions());
        return options;
    }

    private static void writeConfig(Path file, Map<String, String> options) throws IOException {
        StringBuilder yaml = new StringBuilder("# Written by tidemark cluster start; read by each process of this cluster.\n");
        options.forEach((key, value) -> yaml.append(key).append(": '").append(value.replace("'", "''")).append("'\n"));
        Files.writeString(file, yaml);
    }

    /**
     * Each process logs to {@code log/<role>.log} (also what the Web UI shows). The Flink CDC logger
     * that writes the PostgreSQL source's password at INFO (FLINK-38685) is at WARN, as in the CLI's
     * and the FlinkDeployment's logging.
     */
    private static void writeLogConfig(Path file) throws IOException {
        Files.writeString(file, String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = MainAppender",
                "appender.main.name = MainAppender",
                "appender.main.type = RollingFile",
                "appender.main.append = true",
                "appender.main.fileName = ${sys:log.file}",
                "appender.main.filePattern = ${sys:log.file}.%i",
                "appender.main.layout.type = PatternLayout",
                "appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                "appender.main.policies.type = Policies",
                "appender.main.policies.size.type = SizeBasedTriggeringPolicy",
                "appender.main.policies.size.size = 100MB",
                "appender.main.strategy.type = DefaultRolloverStrategy",
                "appender.main.strategy.max = 10",
                "logger.cdcfetch.name = org.apache.flink.cdc.connectors.postgres.source.fetch.PostgresSourceFetchTaskContext",
                "logger.cdcfetch.level = WARN",
                "logger.pekko.name = org.apache.pekko",
                "logger.pekko.level = WARN",
                ""));
    }

    /** Starts one process of the cluster in the background, in its own session where {@code setsid} exists; returns its pid. */
    private static long launch(Path dir, String role, Class<?> mainClass, List<String> memoryJvmOptions,
            List<String> memoryDynamicOptions) throws IOException {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // a closed terminal or a Ctrl-C in it does not reach the cluster
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(memoryJvmOptions);
        command.addAll(javaModuleOptions());
        command.add("-Dlog.file=" + dir.resolve("log").resolve(role + ".log"));
        command.add("-Dlog4j2.configurationFile=" + dir.resolve("conf").resolve("log4j.properties"));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.add("--configDir");
        command.add(dir.resolve("conf").toString());
        command.addAll(memoryDynamicOptions);
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log").resolve(role + ".out").toFile()))
                .start();
        return process.pid();
    }

    /** The {@code --add-opens}/{@code --add-exports} this JVM runs with, which Flink needs on Java 17 (the launcher's list). */
    private static List<String> javaModuleOptions() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(arg -> arg.startsWith("--add-opens") || arg.startsWith("--add-exports"))
                .collect(Collectors.toList());
    }

    private static void awaitTaskManagers(SessionClusterState state, int expected) throws Exception {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            for (Map.Entry<String, Long> process : state.processes().entrySet()) {
                if (!state.alive().containsKey(process.getKey())) {
                    throw new IllegalStateException("the " + process.getKey() + " process ended while the cluster started"
                            + reasonIn(state.logDir(), process.getKey()) + "; its log: "
                            + state.logDir().resolve(process.getKey() + ".log"));
                }
            }
            try {
                if (taskManagersAndSlots(state.restAddress())[0] >= expected) {
                    return;
                }
            } catch (IOException e) {
                // the REST endpoint is not up yet
            }
            if (System.nanoTime() > deadline) {
                throw new java.util.concurrent.TimeoutException("the local Flink cluster did not start within "
                        + START_TIMEOUT.toSeconds() + "s; see the logs in " + state.logDir());
            }
            TimeUnit.MILLISECONDS.sleep(300);
        }
    }

    /** The first error line a process that ended wrote, as {@code ": <line>"}, or nothing. */
    private static String reasonIn(Path logDir, String role) {
        for (Path file : List.of(logDir.resolve(role + ".out"), logDir.resolve(role + ".log"))) {
            try {
                Optional<String> line = Files.readAllLines(file).stream()
                        .filter(l -> l.contains("Exception:") || l.contains("ERROR"))
                        .map(String::strip)
                        .findFirst();
                if (line.isPresent()) {
                    return ": " + line.get();
                }
            } catch (IOException e) {
                // no such file: try the next
            }
        }
        return "";
    }

    private static JsonNode get(URI rest, String path) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(rest.resolve(path)).timeout(Duration.ofSeconds(10))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }

    private static List<String> words(String options) {
        return Arrays.stream(options.strip().split("\\s+")).filter(word -> !word.isEmpty()).toList();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
            return socket.getLocalPort();
        }
    }

    /** Whether {@code port} on loopback can be bound now. */
    public static boolean portFree(int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(LOOPBACK))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
