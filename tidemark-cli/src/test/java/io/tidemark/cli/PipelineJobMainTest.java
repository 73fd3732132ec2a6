package io.tidemark.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PipelineJobMainTest {

    @Test
    void readsTheConfigFileInBothSpellings() {
        assertThat(PipelineJobMain.configFile(new String[] {"--config", "/etc/tidemark/pipeline.yaml"}))
                .isEqualTo(Path.of("/etc/tidemark/pipeline.yaml"));
        assertThat(PipelineJobMain.configFile(new String[] {"--other", "x", "--config=/p.yaml"}))
                .isEqualTo(Path.of("/p.yaml"));
    }

    @Test
    void missingConfigIsRefusedWithTheUsage() {
        assertThatThrownBy(() -> PipelineJobMain.configFile(new String[] {"--config"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--config /path/pipeline.yaml");
    }
}
