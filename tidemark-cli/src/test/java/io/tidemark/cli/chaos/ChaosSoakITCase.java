package io.tidemark.cli.chaos;

import io.tidemark.cli.chaos.ChaosReport.FaultOutcome;

import org.apache.flink.util.FileUtils;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chaos run of issue 16 item 3 ({@link ChaosSoak}). In the default suite it is the short run:
 * every {@link FaultKind} once over ~50k changes, with a 10 s sink outage and restart backoff capped
 * at 4 s. {@code bench/chaos.sh} runs the soak through the {@code chaos} profile: 1M changes, 20
 * faults, the manifest's restart strategy as shipped, a 30 s sink outage. Either way it passes only
 * if every fault healed, no sink lost a row or holds one the source does not, no row version was
 * written twice or went back, and each dead-letter queue holds exactly the poison. The report is
 * printed and kept in {@code target/chaos/chaos-report.md}, beside the processes' logs.
 */
class ChaosSoakITCase {

    @Test
    void everyFaultHealsAndNothingIsLostAppliedTwiceOrSeenGoingBack() throws Exception {
        ChaosSettings settings = ChaosSettings.fromSystemProperties();
        Path jobJar = Path.of("target", "tidemark-job.jar");
        assertThat(jobJar).as("the job jar, built by package (the job-jar profile, on unless -DskipJobJar)").isRegularFile();
        Path dir = Path.of("target", "chaos");
        FileUtils.deleteDirectory(dir.toFile());
        Files.createDirectories(dir);

        ChaosReport report = ChaosSoak.run(settings, dir, jobJar);
        Files.writeString(dir.resolve("chaos-report.md"), report.toMarkdown());
        System.out.println("ChaosSoakITCase:\n" + report.toMarkdown());

        assertThat(report.faults()).hasSize(settings.faults());
        if (settings.faults() >= FaultKind.values().length) {
            assertThat(report.faults()).extracting(FaultOutcome::kind).containsAll(Arrays.asList(FaultKind.values()));
        }
        assertThat(report.faults()).filteredOn(f -> f.kind() == FaultKind.JOB_FAILURE)
                .as("a job failure fails the job (Flink counts a restart)").allSatisfy(f -> assertThat(f.restarts())
                        .isPositive());
        assertThat(report.postgresChanges() + report.mariaDbChanges()).isGreaterThanOrEqualTo(settings.changes() * 9 / 10);
        assertThat(report.sinks()).hasSize(3).allSatisfy(sink -> {
            assertThat(sink.lost()).as("%s: rows lost or holding another version", sink.sink()).isZero();
            assertThat(sink.extra()).as("%s: rows the source does not have", sink.sink()).isZero();
            assertThat(sink.appliedTwice()).as("%s: row versions written twice", sink.sink()).isIn(null, 0L);
            assertThat(sink.regressions()).as("%s: writes going back to an older version", sink.sink()).isZero();
            assertThat(sink.queueHoldsExactlyThePoison()).as("%s: the dead-letter queue is exactly the poison: %s",
                    sink.sink(), sink).isTrue();
        });
    }
}
