package io.tidemark.pipeline.source;

import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.core.io.SimpleVersionedSerialization;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The splits a Tidemark job's source readers held when a savepoint or retained checkpoint was
 * taken, read with Flink's State Processor API (a small bounded job on a local environment in
 * this process): where each reader resumes, so that a restore can be checked against what the source
 * database still holds before any job starts.
 *
 * <p>Flink's {@code SourceOperator} keeps its reader's splits as the list state {@value #STATE},
 * each element a split in the source's versioned split encoding.
 */
public final class SavepointSourceSplits {

    static final String STATE = "SourceReaderState";

    private SavepointSourceSplits() {}

    /**
     * The splits in the savepoint or checkpoint at {@code path} of the source operator with
     * {@code uid}, decoded with the source's own serializer.
     */
    public static <S> List<S> read(String path, String uid, SimpleVersionedSerializer<S> serializer)
            throws Exception {
        // a local environment in a CLI process; the context's own where there is one (tests' MiniCluster)
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        SavepointReader savepoint = SavepointReader.read(env, path);
        List<S> splits = new ArrayList<>();
        try (CloseableIterator<byte[]> encoded = savepoint
                .readListState(OperatorIdentifier.forUid(uid), STATE,
                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO)
                .executeAndCollect("tidemark: read the source position of " + path)) {
            while (encoded.hasNext()) {
                splits.add(decode(serializer, encoded.next()));
            }
        }
        return splits;
    }

    private static <S> S decode(SimpleVersionedSerializer<S> serializer, byte[] bytes) throws IOException {
        return SimpleVersionedSerialization.readVersionAndDeSerialize(serializer, bytes);
    }
}
