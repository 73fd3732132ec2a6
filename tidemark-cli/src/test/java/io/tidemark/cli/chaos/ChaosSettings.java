package io.tidemark.cli.chaos;

import java.time.Duration;

/**
 * How big a chaos run is. The defaults are the short run of the default suite; {@code bench/chaos.sh}
 * (the {@code chaos} Maven profile) sets the soak's through system properties:
 * {@code tidemark.chaos.changes}, {@code .faults}, {@code .rate}, {@code .sink-outage-seconds} and
 * {@code .production-restarts} (the restart strategy of {@code deploy/kubernetes/base/flinkdeployment.yaml}
 * as it is, instead of one whose backoff stops growing at 4 s).
 *
 * @param changes row changes made in all, split evenly between the two sources
 * @param faults faults injected, one kind after another ({@link FaultKind#values()} order)
 * @param changesPerSecond the workload's rate per source
 * @param sinkOutage how long the sink database stays down in a {@link FaultKind#SINK_STOPPED} fault
 * @param productionRestarts whether the cluster restarts jobs exactly as the shipped manifest says
 * @param snapshotRows rows in each source table before the jobs start
 */
public record ChaosSettings(
        long changes, int faults, int changesPerSecond, Duration sinkOutage, boolean productionRestarts,
        int snapshotRows) {

    /** The short run: every fault kind once, ~50k changes. */
    public static ChaosSettings fromSystemProperties() {
        return new ChaosSettings(
                Long.getLong("tidemark.chaos.changes", 50_000),
                Integer.getInteger("tidemark.chaos.faults", FaultKind.values().length),
                Integer.getInteger("tidemark.chaos.rate", 1_000),
                Duration.ofSeconds(Long.getLong("tidemark.chaos.sink-outage-seconds", 10)),
                Boolean.getBoolean("tidemark.chaos.production-restarts"),
                Integer.getInteger("tidemark.chaos.snapshot-rows", 2_000));
    }

    /** Changes per source in each of the {@code faults + 1} rounds. */
    long changesPerSourceAndRound() {
        return Math.max(100, changes / 2 / (faults + 1));
    }

    @Override
    public String toString() {
        return changes + " changes, " + faults + " faults, " + changesPerSecond + " changes/s per source, sink outage "
                + sinkOutage.toSeconds() + " s, " + (productionRestarts ? "the manifest's" : "a short")
                + " restart backoff, " + snapshotRows + " snapshot rows";
    }
}
