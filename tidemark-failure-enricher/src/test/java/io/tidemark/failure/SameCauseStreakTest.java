package io.tidemark.failure;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** Streaks of failures with the same cause within a window, when they are added and as time passes. */
class SameCauseStreakTest {

    @Test
    void aStreakCountsTheSameCauseWithinTheWindowAndRestartsOnAnotherCause() {
        SameCauseStreak streak = new SameCauseStreak(Duration.ofMinutes(1));

        assertThat(streak.add(second(0), FailureCause.key("timeout after 30000 ms at position 0/1A2B"))).isEqualTo(1);
        assertThat(streak.add(second(10), FailureCause.key("timeout after 30001 ms at position 0/1C00"))).as("numbers differ only")
                .isEqualTo(2);
        assertThat(streak.add(second(20), "connection refused")).as("another cause").isEqualTo(1);
        assertThat(streak.add(second(30), "connection refused")).isEqualTo(2);
        assertThat(streak.add(second(100), "connection refused")).as("the first two are older than the window").isEqualTo(1);
        assertThat(streak.size()).isEqualTo(1);
    }

    @Test
    void withoutNewFailuresTheStreakFallsToZeroAsItsFailuresLeaveTheWindow() {
        SameCauseStreak streak = new SameCauseStreak(Duration.ofMinutes(1));
        streak.add(second(0), "c");
        streak.add(second(30), "c");
        streak.add(second(40), "c");

        assertThat(streak.size(second(40))).isEqualTo(3);
        assertThat(streak.size(second(60))).as("the window's edge is inside").isEqualTo(3);
        assertThat(streak.size(second(61))).isEqualTo(2);
        assertThat(streak.size(second(101))).isZero();
        assertThat(new SameCauseStreak(Duration.ofMinutes(1)).size(second(0))).as("no failure yet").isZero();
    }

    private static Instant second(long s) {
        return Instant.ofEpochSecond(1_700_000_000L + s);
    }
}
