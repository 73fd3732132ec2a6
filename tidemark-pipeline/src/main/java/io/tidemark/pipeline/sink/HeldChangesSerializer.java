package io.tidemark.pipeline.sink;

import io.tidemark.pipeline.event.ChangeEvent;
import io.tidemark.pipeline.event.ChangeEventSerializer;

import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The checkpoint encoding of {@link HeldChanges}: a count, then each change in the versioned
 * encoding of {@link ChangeEventSerializer}, so a held change reads back like any change in state.
 */
public final class HeldChangesSerializer implements SimpleVersionedSerializer<HeldChanges> {

    static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(HeldChanges held) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeInt(held.changes().size());
        for (ChangeEvent change : held.changes()) {
            ChangeEventSerializer.INSTANCE.serialize(change, out);
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public HeldChanges deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException("held sink changes were checkpointed in encoding version " + version
                    + " but this Tidemark reads version " + VERSION
                    + ": restore with the Tidemark version that took the checkpoint");
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        int count = in.readInt();
        List<ChangeEvent> changes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            changes.add(ChangeEventSerializer.INSTANCE.deserialize(in));
        }
        return new HeldChanges(changes);
    }
}
