package io.tidemark.snapshot.storage;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.Collector;

import javax.annotation.Nullable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A small stateful streaming job for the storage tests: a rate-limited generator, a keyed counter over
 * {@value #KEYS} keys, and a step that records every (key, count) it emits under the run's name, so a
 * test can see whether a restored job went on counting. It checkpoints every 200 ms, retains its
 * checkpoints on cancellation; on a cluster with {@link #clusterConfiguration()} it writes all state to
 * files, so that its snapshots have files besides {@code _metadata} to count and delete.
 */
final class CountingJob {

    static final int KEYS = 4;

    private static final Map<String, Queue<Tuple2<Integer, Long>>> EMITTED = new ConcurrentHashMap<>();

    private CountingJob() {}

    /**
     * What the cluster running this job needs: state written to files, never inlined in {@code _metadata}.
     * (Set on the job, the threshold does not reach the checkpoint storage built from the job's checkpoint
     * directory; set on the cluster, it does.)
     */
    static Configuration clusterConfiguration() {
        Configuration configuration = new Configuration();
        configuration.set(CheckpointingOptions.FS_SMALL_FILE_THRESHOLD, MemorySize.ZERO);
        return configuration;
    }

    /** The job, named {@code run}, checkpointing to {@code checkpointsDirectory}, restored from {@code restorePath} if given. */
    static JobGraph jobGraph(String run, String checkpointsDirectory, @Nullable String restorePath) {
        Configuration configuration = new Configuration();
        configuration.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(200));
        configuration.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        configuration.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointsDirectory);
        configuration.set(StateBackendOptions.STATE_BACKEND, "hashmap");

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration);
        env.setParallelism(2);
        EMITTED.put(run, new ConcurrentLinkedQueue<>());
        DataGeneratorSource<Long> numbers =
                new DataGeneratorSource<>(index -> index, Long.MAX_VALUE, RateLimiterStrategy.perSecond(100), Types.LONG);
        env.fromSource(numbers, WatermarkStrategy.noWatermarks(), "numbers").uid("numbers")
                .keyBy(number -> (int) (number % KEYS))
                .process(new CountPerKey()).uid("count-per-key")
                .map(new Record(run)).uid("record")
                .sinkTo(new DiscardingSink<>()).uid("discard");
        StreamGraph streamGraph = env.getStreamGraph();
        streamGraph.setJobName(run);
        JobGraph jobGraph = streamGraph.getJobGraph();
        if (restorePath != null) {
            jobGraph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(restorePath));
        }
        return jobGraph;
    }

    /** Everything run {@code run} emitted so far, in the order each key emitted it. */
    static List<Tuple2<Integer, Long>> emitted(String run) {
        return new ArrayList<>(EMITTED.getOrDefault(run, new ConcurrentLinkedQueue<>()));
    }

    /** The first count each key emitted in run {@code run}. */
    static Map<Integer, Long> firstCounts(String run) {
        Map<Integer, Long> first = new HashMap<>();
        for (Tuple2<Integer, Long> keyCount : emitted(run)) {
            first.putIfAbsent(keyCount.f0, keyCount.f1);
        }
        return first;
    }

    /** The highest count each key emitted in run {@code run} so far. */
    static Map<Integer, Long> highestCounts(String run) {
        Map<Integer, Long> highest = new HashMap<>();
        for (Tuple2<Integer, Long> keyCount : emitted(run)) {
            highest.merge(keyCount.f0, keyCount.f1, Math::max);
        }
        return highest;
    }

    /** Counts the numbers seen per key, in keyed state: the state a savepoint carries over. */
    private static final class CountPerKey extends KeyedProcessFunction<Integer, Long, Tuple2<Integer, Long>> {

        private transient ValueState<Long> count;

        @Override
        public void open(OpenContext openContext) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
        }

        @Override
        public void processElement(Long number, Context context, Collector<Tuple2<Integer, Long>> out) throws Exception {
            long next = (count.value() == null ? 0 : count.value()) + 1;
            count.update(next);
            out.collect(Tuple2.of(context.getCurrentKey(), next));
        }
    }

    /** Records what the counter emits; the test JVM runs the MiniCluster, so a static queue sees it. */
    private static final class Record implements MapFunction<Tuple2<Integer, Long>, Tuple2<Integer, Long>> {

        private final String run;

        Record(String run) {
            this.run = run;
        }

        @Override
        public Tuple2<Integer, Long> map(Tuple2<Integer, Long> keyCount) {
            EMITTED.get(run).add(keyCount);
            return keyCount;
        }
    }
}
