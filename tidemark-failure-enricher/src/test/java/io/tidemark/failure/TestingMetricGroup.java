package io.tidemark.failure;

import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A metric group that keeps what is registered in it, as a job's JobManager metric group does, and
 * refuses a second metric of the same name (Flink logs and drops it: a test should see that).
 */
final class TestingMetricGroup extends UnregisteredMetricsGroup {

    private final Map<String, Metric> metrics = new LinkedHashMap<>();

    @Override
    public Counter counter(String name) {
        return counter(name, new SimpleCounter());
    }

    @Override
    public <C extends Counter> C counter(String name, C counter) {
        return register(name, counter);
    }

    @Override
    public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
        return register(name, gauge);
    }

    /** The metrics' current values, by name, as the REST API would show them. */
    Map<String, Object> values() {
        Map<String, Object> values = new LinkedHashMap<>();
        metrics.forEach((name, metric) -> values.put(name,
                metric instanceof Counter counter ? (Object) counter.getCount() : ((Gauge<?>) metric).getValue()));
        return values;
    }

    private <M extends Metric> M register(String name, M metric) {
        if (metrics.putIfAbsent(name, metric) != null) {
            throw new AssertionError("metric " + name + " registered twice");
        }
        return metric;
    }
}
