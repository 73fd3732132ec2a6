package io.tidemark.pipeline.testing;

import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint;
import org.apache.flink.runtime.rest.messages.EmptyMessageParameters;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagerInfo;
import org.apache.flink.runtime.rest.messages.taskmanager.TaskManagersHeaders;
import org.apache.flink.runtime.taskexecutor.TaskManagerRunner;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A Flink session cluster of separate JVM processes on loopback: one JobManager
 * ({@link StandaloneSessionClusterEntrypoint}) and N TaskManagers ({@link TaskManagerRunner}), all
 * started from this JVM's class path (so the job's classes are on theirs), for tests in which a
 * process must really die ({@link #killTaskManager}, {@code kill -9}). Heartbeats are short, so the
 * JobManager notices a dead TaskManager within seconds. Each process logs to a file in the
 * cluster's directory.
 */
public final class StandaloneFlinkCluster implements AutoCloseable {

    private final Path dir;
    private final Path conf;
    private final int restPort;
    private final String classPath;
    private final Process jobManager;
    private final List<Process> taskManagers = new ArrayList<>();
    private RestClusterClient<StandaloneClusterId> client;

    private StandaloneFlinkCluster(Path dir, Path conf, int restPort, String classPath, Process jobManager) {
        this.dir = dir;
        this.conf = conf;
        this.restPort = restPort;
        this.classPath = classPath;
        this.jobManager = jobManager;
    }

    /**
     * Starts the JobManager and {@code taskManagers} TaskManagers on this JVM's class path (the job's
     * classes included) and waits until all have registered.
     */
    public static StandaloneFlinkCluster start(Path dir, int taskManagers, int slotsPerTaskManager) throws Exception {
        return start(dir, taskManagers, slotsPerTaskManager, testClassPath(), Map.of());
    }

    /**
     * As {@link #start(Path, int, int)} on the class path of a Flink distribution only: this JVM's
     * Flink runtime jars and what they need, without Tidemark, connectors or drivers, so that a job
     * runs only from the jar uploaded to the cluster ({@code /jars/upload}, enabled here).
     */
    public static StandaloneFlinkCluster startDistribution(Path dir, int taskManagers, int slotsPerTaskManager)
            throws Exception {
        return startDistribution(dir, taskManagers, slotsPerTaskManager, Map.of());
    }

    /**
     * As {@link #startDistribution(Path, int, int)} with further cluster configuration, such as a
     * restart strategy ({@code restart-strategy.type: exponential-delay}).
     */
    public static StandaloneFlinkCluster startDistribution(Path dir, int taskManagers, int slotsPerTaskManager,
            Map<String, String> configuration) throws Exception {
        List<String> distribution = new ArrayList<>();
        for (String entry : testClassPath().split(File.pathSeparator)) {
            if (isDistribution(entry.replace('\\', '/'))) {
                distribution.add(entry);
            }
        }
        return start(dir, taskManagers, slotsPerTaskManager, String.join(File.pathSeparator, distribution),
                configuration);
    }

    private static StandaloneFlinkCluster start(Path dir, int taskManagers, int slotsPerTaskManager, String classPath,
            Map<String, String> configuration) throws Exception {
        Path conf = Files.createDirectories(dir.resolve("conf"));
        int restPort = freePort();
        Files.writeString(conf.resolve("config.yaml"), String.join("\n",
                "jobmanager.rpc.address: 127.0.0.1",
                "jobmanager.rpc.port: " + freePort(),
                "jobmanager.bind-host: 127.0.0.1",
                "jobmanager.memory.process.size: 768m",
                "rest.address: 127.0.0.1",
                "rest.bind-address: 127.0.0.1",
                "rest.port: " + restPort,
                "taskmanager.host: 127.0.0.1",
                "taskmanager.bind-host: 127.0.0.1",
                "taskmanager.numberOfTaskSlots: " + slotsPerTaskManager,
                "cluster.evenly-spread-out-slots: true",
                // every memory component and the cores, as Flink's start scripts would pass them
                "taskmanager.cpu.cores: " + slotsPerTaskManager,
                "taskmanager.memory.task.heap.size: 256m",
                "taskmanager.memory.task.off-heap.size: 0m",
                "taskmanager.memory.managed.size: 64m",
                "taskmanager.memory.network.min: 64m",
                "taskmanager.memory.network.max: 64m",
                "taskmanager.memory.framework.heap.size: 128m",
                "taskmanager.memory.framework.off-heap.size: 128m",
                "taskmanager.memory.jvm-metaspace.size: 256m",
                "taskmanager.memory.jvm-overhead.min: 192m",
                "taskmanager.memory.jvm-overhead.max: 192m",
                "heartbeat.interval: 1000",
                "heartbeat.timeout: 6000",
                "pekko.ask.timeout: 10 s",
                "web.submit.enable: true",
                "web.upload.dir: " + Files.createDirectories(dir.resolve("uploads")),
                "") + "\n");
        for (Map.Entry<String, String> entry : configuration.entrySet()) {
            Files.writeString(conf.resolve("config.yaml"), entry.getKey() + ": " + entry.getValue() + "\n",
                    StandardOpenOption.APPEND);
        }
        StandaloneFlinkCluster cluster = new StandaloneFlinkCluster(dir, conf, restPort, classPath,
                launch(dir, conf, classPath, "jobmanager", StandaloneSessionClusterEntrypoint.class.getName()));
        try {
            for (int i = 0; i < taskManagers; i++) {
                cluster.taskManagers.add(launch(dir, conf, classPath, "taskmanager-" + i,
                        TaskManagerRunner.class.getName()));
            }
            Configuration clientConf = new Configuration();
            clientConf.set(RestOptions.ADDRESS, "127.0.0.1");
            clientConf.set(RestOptions.PORT, restPort);
            cluster.client = new RestClusterClient<>(clientConf, StandaloneClusterId.getInstance());
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                    .until(() -> cluster.registeredTaskManagers().size() == taskManagers);
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    public RestClusterClient<StandaloneClusterId> client() {
        return client;
    }

    /** The TaskManagers the JobManager knows alive. */
    public Collection<TaskManagerInfo> registeredTaskManagers() throws Exception {
        return client.sendRequest(TaskManagersHeaders.getInstance(), EmptyMessageParameters.getInstance(),
                        EmptyRequestBody.getInstance())
                .get(10, TimeUnit.SECONDS)
                .getTaskManagerInfos();
    }

    /** The process of TaskManager {@code index}, in start order. */
    public Process taskManager(int index) {
        return taskManagers.get(index);
    }

    /** Kills TaskManager {@code index} with SIGKILL: no shutdown hook runs, no task is cancelled. */
    public void killTaskManager(int index) throws Exception {
        Process process = taskManagers.get(index);
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -9 " + process.pid() + " failed");
        }
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /**
     * Starts one more TaskManager (a replacement for a killed one, as Kubernetes would start a new
     * pod) and returns its index once the JobManager counts {@code expected} TaskManagers.
     */
    public synchronized int startTaskManager(int expected) throws Exception {
        int index = taskManagers.size();
        taskManagers.add(launch(dir, conf, classPath, "taskmanager-" + index, TaskManagerRunner.class.getName()));
        await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> registeredTaskManagers().size() >= expected);
        return index;
    }

    /** The class path the cluster's processes run with. */
    public String classPath() {
        return classPath;
    }

    public Path logOf(String name) {
        return dir.resolve(name + ".log");
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        for (Process process : taskManagers) {
            process.destroyForcibly();
        }
        jobManager.destroyForcibly();
        for (Process process : taskManagers) {
            waitQuietly(process);
        }
        waitQuietly(jobManager);
    }

    @Override
    public String toString() {
        return "standalone Flink cluster at http://127.0.0.1:" + restPort + " (" + dir + ")";
    }

    /** The test's full class path: Surefire and Failsafe name it apart from their launcher jar. */
    private static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** Whether a class path entry belongs in a Flink distribution's {@code lib/} (roughly {@code flink-dist}). */
    private static boolean isDistribution(String entry) {
        if (entry.contains("/org/apache/flink/flink-connector-datagen/")
                || entry.contains("/org/apache/flink/flink-connector-files/")) {
            return true; // in flink-dist (the data generator) or lib/ (files)
        }
        if (entry.contains("/org/apache/flink/flink-")) {
            return !entry.matches(".*/flink-(cdc|connector|sql-connector|kubernetes-operator|test-utils|state-processor)"
                    + "[^/]*/.*");
        }
        return DISTRIBUTION_DEPENDENCIES.stream().anyMatch(entry::contains);
    }

    private static final List<String> DISTRIBUTION_DEPENDENCIES = List.of(
            "/org/apache/logging/log4j/", "/org/slf4j/", "/com/esotericsoftware/", "/org/objenesis/",
            "/org/apache/commons/", "/commons-", "/org/xerial/snappy/", "/org/lz4/", "/com/google/code/findbugs/",
            "/org/javassist/", "/com/twitter/", "/com/ververica/frocksdbjni/", "/org/snakeyaml/");

    /** What a Flink 1.20 distribution's default {@code env.java.opts.all} passes to every process on Java 17. */
    private static final List<String> JAVA_17_OPTIONS = List.of(
            "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
            "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
            "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.text=ALL-UNNAMED",
            "--add-opens=java.base/java.time=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static Process launch(Path dir, Path conf, String classPath, String name, String mainClass)
            throws IOException {
        Path log4j = dir.resolve(name + "-log4j.properties");
        Files.writeString(log4j, String.join("\n",
                "rootLogger.level = INFO",
                "rootLogger.appenderRef.file.ref = File",
                "appender.file.type = File",
                "appender.file.name = File",
                "appender.file.fileName = " + dir.resolve(name + ".log"),
                "appender.file.layout.type = PatternLayout",
                "appender.file.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-40c{1.} - %m%n",
                ""));
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx700m",
                "-XX:+UseSerialGC"));
        command.addAll(JAVA_17_OPTIONS);
        command.addAll(List.of(
                "-Dlog4j.configurationFile=" + log4j.toUri(),
                "-Dlog.file=" + dir.resolve(name + ".log"),
                "-cp", classPath,
                mainClass,
                "--configDir", conf.toString()));
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".out").toFile())
                .start();
    }

    private static void waitQuietly(Process process) {
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
