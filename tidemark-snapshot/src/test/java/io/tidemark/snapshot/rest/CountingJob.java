package io.tidemark.snapshot.rest;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The job {@link RestSnapshotServiceITCase} uploads in a jar and runs: a running count per key over
 * a slow sequence (40 numbers a second, keyed by {@code n % 4}). Each count is appended to a file
 * as {@code "n key count"}, so that a test sees where a restored job's source and counters resumed.
 * The counter also reports metrics under Tidemark's names and groups (a lag and changes applied for
 * sink {@code counts} and table {@link #TABLE}, a backlog for source {@code numbers}), so that a test
 * reads them as it reads a pipeline's.
 *
 * <p>Arguments: {@code --out FILE} (required), {@code --counter-uid UID} (default {@code counter}: a
 * savepoint of a job with another uid has state this job cannot map), {@code --snapshot-delay-ms N}
 * (every checkpoint and savepoint takes at least that long).
 */
public final class CountingJob {

    static final String NAME = "tidemark-counting-job";
    static final int KEYS = 4;
    static final Duration CHECKPOINT_INTERVAL = Duration.ofMillis(500);
    static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(20);
    static final Duration MIN_PAUSE = Duration.ofMillis(100);
    /** The table its Tidemark-named metrics are reported for: a dotted name, as Tidemark's tables are. */
    static final String TABLE = "public.counts";
    static final long LAG_MS = 42;
    static final long BACKLOG_BYTES = 4096;

    private CountingJob() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        String out = options.get("out");
        if (out == null) {
            throw new IllegalArgumentException("missing --out FILE");
        }
        String counterUid = options.getOrDefault("counter-uid", "counter");
        long snapshotDelayMillis = Long.parseLong(options.getOrDefault("snapshot-delay-ms", "0"));

        Configuration config = new Configuration();
        config.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, CHECKPOINT_INTERVAL);
        config.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
        config.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, MIN_PAUSE);
        config.set(CheckpointingOptions.MAX_CONCURRENT_CHECKPOINTS, 1);
        config.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION, ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(1);

        DataGeneratorSource<Long> numbers =
                new DataGeneratorSource<>(n -> n, Long.MAX_VALUE, RateLimiterStrategy.perSecond(40), Types.LONG);
        env.fromSource(numbers, WatermarkStrategy.noWatermarks(), "numbers").uid("numbers")
                .keyBy(n -> n % KEYS)
                .process(new Counter(out, snapshotDelayMillis)).uid(counterUid).name("counter")
                .sinkTo(new DiscardingSink<>()).uid("discard");
        env.execute(NAME);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }

    /** Counts per key in keyed state and appends every count to the output file. */
    static final class Counter extends KeyedProcessFunction<Long, Long, String> implements CheckpointedFunction {

        private static final long serialVersionUID = 1L;

        private final String out;
        private final long snapshotDelayMillis;
        private transient ValueState<Long> count;
        private transient BufferedWriter writer;
        private transient org.apache.flink.metrics.Counter applied;

        Counter(String out, long snapshotDelayMillis) {
            this.out = out;
            this.snapshotDelayMillis = snapshotDelayMillis;
        }

        @Override
        public void open(OpenContext openContext) throws IOException {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            MetricGroup table = getRuntimeContext().getMetricGroup().addGroup("sink", "counts").addGroup("table", TABLE);
            table.gauge("tidemarkLagMs", (Gauge<Long>) () -> LAG_MS);
            applied = table.counter("tidemarkChangesApplied");
            getRuntimeContext().getMetricGroup().addGroup("source", "numbers")
                    .gauge("tidemarkSourceBacklogBytes", (Gauge<Long>) () -> BACKLOG_BYTES);
            writer = Files.newBufferedWriter(Path.of(out), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }

        @Override
        public void processElement(Long n, Context context, Collector<String> collector) throws Exception {
            long next = (count.value() == null ? 0 : count.value()) + 1;
            count.update(next);
            applied.inc();
            String line = n + " " + context.getCurrentKey() + " " + next;
            writer.write(line + "\n");
            writer.flush();
            collector.collect(line);
        }

        @Override
        public void snapshotState(FunctionSnapshotContext context) throws InterruptedException {
            if (snapshotDelayMillis > 0) {
                Thread.sleep(snapshotDelayMillis);
            }
        }

        @Override
        public void initializeState(FunctionInitializationContext context) {}

        @Override
        public void close() throws IOException {
            if (writer != null) {
                writer.close();
            }
        }
    }
}
