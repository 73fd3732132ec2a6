package io.tidemark.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * CPU time used by the bench JVM (Flink, the jobs, the JDBC drivers) and by the bench's PostgreSQL
 * server (its postmaster and every child: backends, walsenders, background workers, and children
 * that already exited, through the postmaster's {@code cutime}), read from the JVM and from
 * {@code /proc}. The difference of two snapshots over a phase's wall time tells how many cores each
 * side kept busy: on a 2-core machine that shows whether a phase is CPU-bound and on which side.
 * Other processes on the machine (other PostgreSQL servers included) are not counted in either,
 * but the machine's busy time ({@code /proc/stat}) is: what neither side used is load from elsewhere,
 * which makes a run on a shared machine noisy.
 */
public record CpuUsage(long jvmNanos, long postgresNanos, long machineNanos, long wallNanos) {

    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    /** A snapshot; {@code postmasterPid} below 1 leaves PostgreSQL out (0). */
    public static CpuUsage now(long postmasterPid) {
        return new CpuUsage(jvmCpuNanos(), postgresCpuNanos(postmasterPid), machineBusyNanos(), System.nanoTime());
    }

    /**
     * Cores used on average between {@code start} and this snapshot: {jvm, postgres, everything
     * else on the machine}.
     */
    public double[] coresSince(CpuUsage start) {
        double wall = Math.max(1, wallNanos - start.wallNanos);
        double jvm = (jvmNanos - start.jvmNanos) / wall;
        double postgres = (postgresNanos - start.postgresNanos) / wall;
        double machine = (machineNanos - start.machineNanos) / wall;
        return new double[] {jvm, postgres, Math.max(0, machine - jvm - postgres)};
    }

    /** Busy time of all CPUs together (everything but idle and iowait), from the first line of /proc/stat. */
    private static long machineBusyNanos() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < f.length && i <= 8; i++) { // user nice system idle iowait irq softirq steal
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return busy * NANOS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long jvmCpuNanos() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return 0;
    }

    private static long postgresCpuNanos(long postmasterPid) {
        Path proc = Path.of("/proc");
        if (postmasterPid < 1 || !Files.isDirectory(proc)) {
            return 0;
        }
        long ticks = 0;
        try (Stream<Path> entries = Files.list(proc)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
                    continue;
                }
                long[] stat = stat(entry.resolve("stat"));
                if (stat == null) {
                    continue;
                }
                if (Long.parseLong(name) == postmasterPid) {
                    ticks += stat[1] + stat[2] + stat[3] + stat[4];
                } else if (stat[0] == postmasterPid) {
                    ticks += stat[1] + stat[2];
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * NANOS_PER_TICK;
    }

    /** {ppid, utime, stime, cutime, cstime} of a process, or null if it ended meanwhile. */
    private static long[] stat(Path stat) {
        String line;
        try {
            line = Files.readString(stat);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        int close = line.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        // after "pid (comm) ": state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt,
        // majflt, cmajflt, utime, stime, cutime, cstime, ...
        String[] f = line.substring(close + 2).split(" ");
        return new long[] {Long.parseLong(f[1]), Long.parseLong(f[11]), Long.parseLong(f[12]),
                Long.parseLong(f[13]), Long.parseLong(f[14])};
    }
}
