package io.tidemark.bench.workload;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChangeMixTest {

    @Test
    void parsesInsertsUpdatesDeletes() {
        assertThat(ChangeMix.parse(" 50/40/10 ")).isEqualTo(new ChangeMix(50, 40, 10));
        assertThat(ChangeMix.parse("50/40/10")).hasToString("50/40/10");
    }

    @Test
    void rejectsMixesThatDoNotAddUpOrHaveNoInserts() {
        assertThatThrownBy(() -> ChangeMix.parse("50/40/20")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("adding up to 100");
        assertThatThrownBy(() -> ChangeMix.parse("0/90/10")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs some inserts");
        assertThatThrownBy(() -> ChangeMix.parse("fifty")).isInstanceOf(IllegalArgumentException.class);
    }
}
