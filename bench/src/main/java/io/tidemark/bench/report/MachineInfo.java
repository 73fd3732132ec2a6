package io.tidemark.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Where and when the numbers were measured, for the record next to them.
 *
 * @param redisVersion the embedded Redis's version, or null when no phase wrote to Redis
 */
public record MachineInfo(
        Instant date, int cores, String memory, String cpuModel, String javaVersion, String postgresVersion,
        String redisVersion, String flinkVersion, String loadAtStart, String loadAtEnd) {

    public static MachineInfo current(String postgresVersion, String redisVersion, String flinkVersion,
            String loadAtStart) {
        return new MachineInfo(
                Instant.now().truncatedTo(ChronoUnit.SECONDS),
                Runtime.getRuntime().availableProcessors(),
                readMemory(),
                readCpuModel(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
                postgresVersion,
                redisVersion,
                flinkVersion,
                loadAtStart,
                loadAverage());
    }

    /** The 1, 5 and 15 minute load averages, e.g. {@code 0.52 0.31 0.20}. */
    public static String loadAverage() {
        List<String> line = lines("/proc/loadavg");
        if (line.isEmpty()) {
            return "unknown";
        }
        String[] fields = line.get(0).split(" ");
        return fields.length >= 3 ? fields[0] + " " + fields[1] + " " + fields[2] : "unknown";
    }

    private static String readMemory() {
        for (String line : lines("/proc/meminfo")) {
            if (line.startsWith("MemTotal:")) {
                long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return String.format("%.1f GiB", kib / 1024.0 / 1024.0);
            }
        }
        return "unknown";
    }

    private static String readCpuModel() {
        for (String line : lines("/proc/cpuinfo")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return System.getProperty("os.arch");
    }

    private static List<String> lines(String file) {
        try {
            return Files.readAllLines(Path.of(file));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
