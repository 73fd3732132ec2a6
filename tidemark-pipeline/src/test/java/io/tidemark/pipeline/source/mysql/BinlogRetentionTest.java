package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.metrics.SourceRetention.Reading;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class BinlogRetentionTest {

    private static final Map<String, Long> LOGS = new LinkedHashMap<>();

    static {
        LOGS.put("mysql-bin.000007", 1_000L);
        LOGS.put("mysql-bin.000008", 5_000L);
        LOGS.put("mysql-bin.000009", 300L);
    }

    @Test
    void countsBytesAcrossFilesFromTheCheckpointToTheEndAndBeforeIt() {
        Reading reading = BinlogRetention.reading(LOGS, "mysql-bin.000008", 4_000);
        assertThat(reading.backlogBytes()).as("rest of 000008 and all of 000009").isEqualTo(1_000 + 300);
        assertThat(reading.retainedBytes()).isEqualTo(1_300);
        assertThat(reading.purgeMarginBytes()).as("all of 000007 and 000008 up to the position").isEqualTo(5_000);
        assertThat(reading.positionAvailable()).isEqualTo(1);
    }

    @Test
    void theOldestFileAtItsStartLeavesNoMargin() {
        Reading reading = BinlogRetention.reading(LOGS, "mysql-bin.000007", 0);
        assertThat(reading.purgeMarginBytes()).isZero();
        assertThat(reading.backlogBytes()).isEqualTo(6_300);
    }

    @Test
    void aPurgedFileIsAPositionLost() {
        Reading reading = BinlogRetention.reading(LOGS, "mysql-bin.000006", 120);
        assertThat(reading.positionAvailable()).isZero();
        assertThat(reading.backlogBytes()).isNaN();
    }
}
