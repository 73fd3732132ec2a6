package io.tidemark.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tidemark manifest check} as a CI step runs it: the repository's own manifests pass, a
 * manifest that breaks the spec's guidelines fails with one line per finding naming the YAML path,
 * and a file that is no manifest is a failure, not a pass.
 */
class ManifestCheckCommandTest {

    private static final Path DEPLOY = Path.of("..", "deploy", "kubernetes");

    @TempDir
    Path dir;

    @Test
    void theRepositorysManifestsPass() {
        CliRun run = CliRun.of("manifest", "check", DEPLOY.resolve("base/flinkdeployment.yaml").toString(),
                DEPLOY.resolve("base/pipeline.yaml").toString(),
                DEPLOY.resolve("examples/flinkstatesnapshot-savepoint.yaml").toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.outLines()).containsExactly("3 resources checked: 0 errors, 0 warning(s)");
    }

    @Test
    void aManifestOutsideTheGuidelinesFailsWithOneLinePerFindingAndItsPath() throws Exception {
        String good = Files.readString(DEPLOY.resolve("base/flinkdeployment.yaml"));
        String broken = good.replace("execution.checkpointing.interval: 60s", "execution.checkpointing.interval: 10s")
                .replace("upgradeMode: savepoint", "upgradeMode: stateless");
        assertThat(broken).isNotEqualTo(good);
        Path file = Files.writeString(dir.resolve("flinkdeployment.yaml"), broken);

        CliRun run = CliRun.of("manifest", "check", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.outLines()).hasSize(3);
        assertThat(run.outLines().get(0)).startsWith(file + ":").contains("ERROR")
                .contains("spec.flinkConfiguration[\"execution.checkpointing.interval\"]: 10s");
        assertThat(run.outLines().get(1)).contains("ERROR").contains("spec.job.upgradeMode");
        assertThat(run.outLines().get(2)).isEqualTo("1 resource checked: 2 errors, 0 warning(s)");

        CliRun json = CliRun.of("manifest", "check", file.toString(), "--output", "json");
        assertThat(json.exitCode()).isEqualTo(ExitCodes.FAILURE);
        assertThat(json.out()).contains("\"path\":\"spec.job.upgradeMode\"").contains("\"errors\":2");
    }

    @Test
    void aFileWithNothingToCheckIsAFailure() throws Exception {
        Path file = Files.writeString(dir.resolve("service.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n");

        CliRun run = CliRun.of("manifest", "check", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(run.errLines()).containsExactly("tidemark: no FlinkDeployment, FlinkStateSnapshot or pipeline file found in " + file);
    }
}
