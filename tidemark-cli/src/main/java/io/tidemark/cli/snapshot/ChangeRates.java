package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.TidemarkMetrics;

import javax.annotation.Nullable;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rate of each sink table's {@code tidemarkChangesApplied} counter over the refreshes of a
 * watch. Flink's REST API shows metric values it fetched up to {@code
 * metrics.fetcher.update-interval} ago (10 s by default), so a counter read every few seconds
 * moves in steps: compared with the previous refresh alone it would read 0 and then twice the rate.
 * The rate is therefore taken against the newest reading at least {@link #WINDOW} old (or the
 * oldest while the watch is younger than that), as a dashboard's {@code rate()} over a range would.
 */
final class ChangeRates {

    /** Flink's default metric fetch interval: the shortest span over which a counter's rate is steady. */
    static final Duration WINDOW = Duration.ofSeconds(10);

    private record Sample(Instant at, Map<List<String>, Long> applied) {}

    private final Duration window;
    private final List<Sample> samples = new ArrayList<>();

    ChangeRates() {
        this(WINDOW);
    }

    ChangeRates(Duration window) {
        this.window = window;
    }

    /** Takes the metrics read at {@code at}; returns each sink table's row with its rate. */
    List<CheckpointWatchFrame.SinkTableRow> next(Instant at, TidemarkMetrics metrics) {
        Map<List<String>, Long> applied = new HashMap<>();
        for (TidemarkMetrics.SinkTable t : metrics.sinkTables()) {
            if (t.changesApplied() != null) {
                applied.put(key(t), t.changesApplied());
            }
        }
        Sample base = base(at);
        List<CheckpointWatchFrame.SinkTableRow> rows = new ArrayList<>();
        for (TidemarkMetrics.SinkTable t : metrics.sinkTables()) {
            rows.add(new CheckpointWatchFrame.SinkTableRow(t.sink(), t.table(), t.lagMs(), t.changesApplied(),
                    rate(base, at, t.changesApplied(), key(t))));
        }
        samples.add(new Sample(at, applied));
        // readings older than the newest one a window old will never be the base again
        samples.subList(0, baseIndex(at)).clear();
        return rows;
    }

    /** The newest reading at least a window before {@code at}, else the oldest. */
    @Nullable
    private Sample base(Instant at) {
        return samples.isEmpty() ? null : samples.get(baseIndex(at));
    }

    private int baseIndex(Instant at) {
        int base = 0;
        for (int i = 0; i < samples.size(); i++) {
            if (!Duration.between(samples.get(i).at(), at).minus(window).isNegative()) {
                base = i;
            }
        }
        return base;
    }

    @Nullable
    private static Double rate(@Nullable Sample base, Instant at, @Nullable Long now, List<String> key) {
        if (base == null || now == null || !base.applied().containsKey(key)) {
            return null;
        }
        long millis = Duration.between(base.at(), at).toMillis();
        long delta = now - base.applied().get(key);
        // a counter that went back was reset: the job restarted, and its writers counted anew
        return millis <= 0 || delta < 0 ? null : delta * 1000.0 / millis;
    }

    private static List<String> key(TidemarkMetrics.SinkTable t) {
        return List.of(t.sink(), t.table());
    }
}
