package io.tidemark.cli.snapshot;

import io.tidemark.snapshot.TidemarkMetrics;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The changes/s of a sink table from its counter as Flink's REST API shows it: in steps, each time
 * Flink fetched the metrics. Taken over a window as long as the fetch interval, the rate stays
 * steady where refresh against refresh would swing between 0 and twice the truth.
 */
class ChangeRatesTest {

    private static final Instant START = Instant.parse("2026-12-07T10:00:00Z");

    @Test
    void aCounterFetchedEveryTenSecondsAndReadEveryFiveHasASteadyRate() {
        ChangeRates rates = new ChangeRates();

        assertThat(rate(rates, 0, 100L)).as("one reading: no rate yet").isNull();
        assertThat(rate(rates, 5, 100L)).as("not fetched again yet").isEqualTo(0.0);
        assertThat(rate(rates, 10, 200L)).isEqualTo(10.0);
        assertThat(rate(rates, 15, 200L)).isEqualTo(10.0);
        assertThat(rate(rates, 20, 300L)).isEqualTo(10.0);
        assertThat(rate(rates, 25, 300L)).isEqualTo(10.0);
    }

    @Test
    void aCounterThatWentBackOrIsNotReportedHasNoRate() {
        ChangeRates rates = new ChangeRates();
        rate(rates, 0, 500L);

        assertThat(rate(rates, 10, 20L)).as("the job restarted and counts anew").isNull();
        assertThat(rate(rates, 20, 70L)).isEqualTo(5.0);
        assertThat(rate(rates, 30, null)).isNull();
    }

    private static Double rate(ChangeRates rates, int second, Long applied) {
        List<CheckpointWatchFrame.SinkTableRow> rows = rates.next(START.plusSeconds(second),
                new TidemarkMetrics(List.of(new TidemarkMetrics.SinkTable("warehouse", "public_orders", 7L, applied)),
                        List.of(), List.of()));
        assertThat(rows).singleElement().satisfies(r -> assertThat(r.lagMs()).isEqualTo(7L));
        return rows.get(0).changesPerSecond();
    }
}
