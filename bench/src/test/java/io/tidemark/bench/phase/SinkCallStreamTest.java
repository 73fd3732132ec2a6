package io.tidemark.bench.phase;

import io.tidemark.bench.workload.ChangeMix;
import io.tidemark.bench.workload.ChangeWorkload;
import io.tidemark.pipeline.config.RedisDurability;
import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.sink.redis.SinkScriptCalls;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SinkCallStreamTest {

    private static final RedisSinkDef SINK = RedisSinkSide.definition("redis://127.0.0.1:6379", RedisDurability.none());
    private static final LocalDateTime AT = LocalDateTime.parse("2025-01-01T00:00:00.005");

    @Test
    void turnsEachChangeIntoTheSinksGuardedCallWithTheFullRowAfterIt() throws Exception {
        List<SinkScriptCalls.Call> calls = new ArrayList<>();
        SinkCallStream stream = new SinkCallStream(SINK, calls::add);

        stream.snapshot(true);
        stream.insert(new ChangeWorkload.Row(0, "customer-0", new BigDecimal("1.00"), "start", null, AT));
        stream.insert(new ChangeWorkload.Row(1, "customer-1", new BigDecimal("2.50"), "new", "a note", AT));
        stream.commit();
        stream.snapshot(false);
        stream.mark("streaming");
        stream.update(new ChangeWorkload.Update(1, new BigDecimal("3.00"), "paid", null, AT.plusSeconds(1)));
        stream.commit();
        stream.insert(new ChangeWorkload.Row(2, "customer-2", new BigDecimal("4.00"), "new", null, AT));
        stream.delete(1);
        stream.commit();

        assertThat(calls).hasSize(6);
        assertThat(calls.get(0).keys()).containsExactly("tidemark:public.orders:0", "{tidemark:public.orders:0}:deleted");
        assertThat(fields(calls.get(0))).containsExactly("id", "0", "customer", "customer-0", "amount", "1.00", "status",
                "start", "updated_at", "2025-01-01T00:00:00.005", "version", "1");
        assertThat(calls.get(0).args()[0]).isEqualTo("u");
        assertThat(calls.get(0).args()[2]).isEqualTo("h");
        assertThat(calls.get(0).args()[3]).isEqualTo("0"); // no TTL
        assertThat(fields(calls.get(2))).containsExactly("id", "0", "customer", "customer-0", "amount", "1.00",
                "status", "streaming", "updated_at", "2025-01-01T00:00:00.005", "version", "2");
        assertThat(fields(calls.get(3))).containsExactly("id", "1", "customer", "customer-1", "amount", "3.00",
                "status", "paid", "updated_at", "2025-01-01T00:00:01.005", "version", "2");
        // a transaction's deletes go first, as the generator's batches put them in the WAL
        assertThat(calls.get(4).keys()[0]).isEqualTo("tidemark:public.orders:1");
        assertThat(calls.get(4).args()).hasSize(5).startsWith("d");
        assertThat(calls.get(5).keys()[0]).isEqualTo("tidemark:public.orders:2");
        long previous = 0;
        for (SinkScriptCalls.Call call : calls) {
            assertThat(Long.parseLong(call.args()[1])).isGreaterThan(previous);
            previous = Long.parseLong(call.args()[1]);
        }
    }

    @Test
    void givesTheSameCallsWhetherTheWorkloadRunsAtOnceOrAFewTransactionsAtATime() throws Exception {
        List<String> atOnce = calls(1, 2_000);
        List<String> inSteps = calls(7, 2_000);

        assertThat(atOnce).hasSize(2_000 + 50 + 1).isEqualTo(inSteps);
        assertThat(atOnce.stream().filter(call -> call.startsWith("[d,")).count()).isBetween(150L, 250L);
    }

    /** The calls of a seeded workload run in {@code steps} whole-transaction parts, as text. */
    private static List<String> calls(int steps, int changes) throws Exception {
        List<String> calls = new ArrayList<>();
        SinkCallStream stream = new SinkCallStream(SINK, call -> calls.add(Arrays.toString(call.args())));
        ChangeWorkload workload = new ChangeWorkload(42, ChangeMix.parse("50/40/10"), 10);
        stream.snapshot(true);
        workload.seed(stream, 50);
        stream.snapshot(false);
        int step = (changes / steps / 10 + 1) * 10;
        for (int done = 0; done < changes; done += step) {
            workload.run(stream, Math.min(step, changes - done));
        }
        return calls;
    }

    private static List<String> fields(SinkScriptCalls.Call call) {
        return Arrays.asList(call.args()).subList(5, call.args().length);
    }
}
