package io.tidemark.cli.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code tidemark cluster start} records in the cluster's directory ({@code cluster.json}) so
 * that {@code cluster stop} and {@code cluster status}, run later from another shell, find the
 * processes it started: their pids by role, the REST port and when it started. A pid is only
 * trusted while the process behind it still runs with this directory's configuration
 * ({@link #alive()}), so a pid reused by the system after a reboot is never signalled.
 */
public record SessionClusterState(Path dir, int restPort, Instant startedAt, Map<String, Long> processes) {

    static final String FILE = "cluster.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    public SessionClusterState {
        processes = Map.copyOf(new LinkedHashMap<>(processes));
    }

    /** The REST API's and Web UI's address. */
    public URI restAddress() {
        return URI.create("http://127.0.0.1:" + restPort);
    }

    /** The configuration directory every process of this cluster runs with ({@code --configDir}). */
    public Path confDir() {
        return dir.resolve("conf");
    }

    public Path logDir() {
        return dir.resolve("log");
    }

    /** The processes of this cluster that still run, by role ({@code jobmanager}, {@code taskmanager-0}, ...), in start order. */
    public Map<String, ProcessHandle> alive() {
        Map<String, ProcessHandle> alive = new LinkedHashMap<>();
        for (String role : roles()) {
            ProcessHandle.of(processes.get(role)).filter(ProcessHandle::isAlive).filter(this::runsFromHere)
                    .ifPresent(handle -> alive.put(role, handle));
        }
        return alive;
    }

    /** The roles in start order: the JobManager, then the TaskManagers by number. */
    public List<String> roles() {
        List<String> roles = new ArrayList<>(processes.keySet());
        roles.sort((a, b) -> a.equals(b) ? 0 : a.equals("jobmanager") ? -1 : b.equals("jobmanager") ? 1
                : Integer.compare(number(a), number(b)));
        return roles;
    }

    private static int number(String role) {
        return Integer.parseInt(role.substring(role.lastIndexOf('-') + 1));
    }

    /** Whether {@code process} is one of this cluster's: its command line names this cluster's configuration. */
    private boolean runsFromHere(ProcessHandle process) {
        return process.info().arguments()
                .map(args -> List.of(args).contains(confDir().toString()))
                .orElse(process.info().commandLine().map(line -> line.contains(confDir().toString())).orElse(false));
    }

    void write() throws IOException {
        ObjectNode node = JSON.createObjectNode();
        node.put("restPort", restPort);
        node.put("startedAt", startedAt.toString());
        ObjectNode pids = node.putObject("processes");
        roles().forEach(role -> pids.put(role, processes.get(role)));
        Path file = dir.resolve(FILE);
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.writeString(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The state recorded in {@code dir}, if a cluster was started there and not stopped since. */
    static Optional<SessionClusterState> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + " is not readable (" + e.getMessage().lines().findFirst().orElse("")
                    + "); remove it if no cluster runs from " + dir, e);
        }
        Map<String, Long> processes = new LinkedHashMap<>();
        node.path("processes").fields().forEachRemaining(e -> processes.put(e.getKey(), e.getValue().asLong()));
        return Optional.of(new SessionClusterState(dir, node.path("restPort").asInt(),
                Instant.parse(node.path("startedAt").asText(Instant.EPOCH.toString())), processes));
    }

    void delete() throws IOException {
        Files.deleteIfExists(dir.resolve(FILE));
    }
}
