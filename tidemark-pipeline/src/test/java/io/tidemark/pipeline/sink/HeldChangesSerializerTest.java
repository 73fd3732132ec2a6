package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeOperation;
import io.tidemark.pipeline.event.SourcePosition;
import io.tidemark.pipeline.event.TableId;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Changes a writer holds in the checkpoint read back exactly, in order; an unknown version is refused in one line. */
class HeldChangesSerializerTest {

    private final HeldChangesSerializer serializer = new HeldChangesSerializer();

    @Test
    void roundTripsHeldChangesInOrder() throws Exception {
        TableId accounts = new TableId("public", "accounts");
        String[] columns = {"id", "balance"};
        HeldChanges held = new HeldChanges(List.of(
                new ChangeEvent(ChangeOperation.UPDATE, accounts, columns, new int[] {0}, null,
                        new Object[] {1L, 900L}, SourcePosition.ofLsn(10), 1_700_000_000_000L),
                new ChangeEvent(ChangeOperation.DELETE, accounts, columns, new int[] {0},
                        new Object[] {2L, null}, null, SourcePosition.ofLsn(11), 1_700_000_000_000L),
                ChangeEvent.commit("817", accounts, 0L)));

        HeldChanges copy = serializer.deserialize(serializer.getVersion(), serializer.serialize(held));

        assertThat(copy.changes()).containsExactlyElementsOf(held.changes());
        assertThat(copy.changes().get(2).transactionId()).isEqualTo("817");
    }

    @Test
    void roundTripsNothingHeld() throws Exception {
        assertThat(serializer.deserialize(1, serializer.serialize(new HeldChanges(List.of()))).changes()).isEmpty();
    }

    @Test
    void refusesAVersionItDoesNotKnow() {
        assertThatThrownBy(() -> serializer.deserialize(2, new byte[4]))
                .hasMessage("held sink changes were checkpointed in encoding version 2 but this Tidemark reads"
                        + " version 1: restore with the Tidemark version that took the checkpoint");
    }
}
