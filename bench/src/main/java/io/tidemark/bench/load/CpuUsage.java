package io.tidemark.bench.load;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time used by the bench JVM (Flink, the jobs, the JDBC drivers), by the bench's PostgreSQL
 * server (its postmaster and every child: backends, walsenders, background workers, and children
 * that already exited, through the postmaster's {@code cutime}) and by the bench's Redis servers
 * (each with its exited children, such as an append-only file rewrite), read from the JVM and from
 * {@code /proc}. The difference of two snapshots over a phase's wall time tells how many cores each
 * side kept busy: on a 2-core machine that shows whether a phase is CPU-bound and on which side.
 * Other processes on the machine (other PostgreSQL servers included) are not counted in any of them,
 * but the machine's busy time ({@code /proc/stat}) is: what none of them used is load from elsewhere,
 * which makes a run on a shared machine noisy.
 */
public record CpuUsage(long jvmNanos, long postgresNanos, long redisNanos, long mariaDbNanos, long machineNanos,
        long wallNanos) {

    private static final long NANOS_PER_TICK = 10_000_000L; // USER_HZ is 100 on Linux

    /** Cores kept busy on average between two snapshots; {@code other} is the machine's rest (noise). */
    public record Cores(double jvm, double postgres, double redis, double mariaDb, double other) {}

    /**
     * A snapshot; {@code postmasterPid} below 1 leaves PostgreSQL out (0), an empty list Redis, and
     * {@code mariaDbPid} below 1 the bench's MariaDB server.
     */
    public static CpuUsage now(long postmasterPid, List<Long> redisPids, long mariaDbPid) {
        return new CpuUsage(jvmCpuNanos(), postgresCpuNanos(postmasterPid), redisCpuNanos(redisPids),
                mariaDbPid < 1 ? 0 : redisCpuNanos(List.of(mariaDbPid)), machineBusyNanos(), System.nanoTime());
    }

    /** Cores used on average between {@code start} and this snapshot. */
    public Cores coresSince(CpuUsage start) {
        double wall = Math.max(1, wallNanos - start.wallNanos);
        double jvm = (jvmNanos - start.jvmNanos) / wall;
        double postgres = (postgresNanos - start.postgresNanos) / wall;
        double redis = (redisNanos - start.redisNanos) / wall;
        double mariaDb = (mariaDbNanos - start.mariaDbNanos) / wall;
        double machine = (machineNanos - start.machineNanos) / wall;
        return new Cores(jvm, postgres, redis, mariaDb, Math.max(0, machine - jvm - postgres - redis - mariaDb));
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

    /** CPU time of single-process servers (Redis, MariaDB) and of their exited children. */
    private static long redisCpuNanos(List<Long> pids) {
        long ticks = 0;
        for (long pid : pids) {
            long[] stat = stat(Path.of("/proc", Long.toString(pid), "stat"));
            if (stat != null) {
                ticks += stat[1] + stat[2] + stat[3] + stat[4];
            }
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
