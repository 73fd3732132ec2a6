package io.tidemark.cli.demo;

import io.tidemark.pipeline.config.RedisSinkDef;
import io.tidemark.pipeline.config.RedisValueFormat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The demo's Redis reconciliation against hashes written by hand, with the text the Redis sink is
 * documented to write ({@code docs/redis-sink.md}), not computed by the sink's code: equal hashes are
 * EQUAL, and a changed field, a missing key and a key left over from a deleted row are each found.
 */
class RedisReconciliationITCase {

    @TempDir
    static Path workDir;

    private static DemoDatabase source;
    private static DemoRedis redis;
    private static RedisClient client;
    private static StatefulRedisConnection<String, String> connection;

    @BeforeAll
    static void start() throws Exception {
        source = DemoDatabase.start(workDir.resolve("postgres"), "shop", false, "reconcile1");
        redis = DemoRedis.start(workDir.resolve("redis"));
        client = RedisClient.create(redis.uri());
        connection = client.connect();
        try (Connection c = source.connect(); Statement st = c.createStatement()) {
            DemoSchema.create(c, false);
            st.execute("SET TIME ZONE 'Europe/Paris'");
            st.execute("INSERT INTO customers VALUES (7, 'Zoë Müller', 'zoe@example.com', 'DE', 1234.50, true,"
                    + " '{\"tier\":\"gold\",  \"score\": 7}', '2024-02-29 10:00:00.1234', '2024-03-01 01:00:00')");
            st.execute("INSERT INTO orders VALUES (7, 3, 'new', 9.50, '[{\"sku\": \"SKU-1\", \"qty\": 2}]', NULL,"
                    + " '2024-07-01 12:30:00', '2024-07-01 12:30:00.5', 1)");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (connection != null) {
            connection.close();
            client.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
        if (source != null) {
            source.close();
        }
    }

    @Test
    void handWrittenHashesAreEqualAndEachKindOfDifferenceIsFound() throws Exception {
        RedisCommands<String, String> commands = connection.sync();
        Map<String, String> customer = new LinkedHashMap<>();
        customer.put("_tidemark_pos", "1001");
        customer.put("id", "7");
        customer.put("name", "Zoë Müller");
        customer.put("email", "zoe@example.com");
        customer.put("country", "DE");
        customer.put("credit_limit", "1234.50");
        customer.put("active", "true");
        customer.put("tags", "{\"tier\": \"gold\", \"score\": 7}");
        customer.put("created_at", "2024-02-29T09:00:00.1234Z");
        customer.put("updated_at", "2024-03-01T00:00:00Z");
        Map<String, String> order = new LinkedHashMap<>();
        order.put("_tidemark_pos", "1002");
        order.put("customer_id", "7");
        order.put("order_no", "3");
        order.put("status", "new");
        order.put("amount", "9.50");
        order.put("items", "[{\"qty\": 2, \"sku\": \"SKU-1\"}]");
        order.put("placed_at", "2024-07-01T10:30:00Z");
        order.put("updated_at", "2024-07-01T10:30:00.5Z");
        order.put("version", "1");
        commands.hset("tidemark:public.customers:7", customer);
        commands.hset("tidemark:public.orders:7:3", order);
        commands.set("{tidemark:public.orders:7:2}:deleted", "999"); // a tombstone is not a row key

        try (RedisReconciliation reconciliation = RedisReconciliation.connect(sink());
                Connection c = source.connect()) {
            assertThat(reconciliation.counts(DemoSchema.TABLES)).containsExactly(1, 1);
            assertThat(reconciliation.compare(c, DemoSchema.TABLES)).containsExactly(
                    new RedisReconciliation.TableReport("public.customers", 1, 1, 0, 0, 0),
                    new RedisReconciliation.TableReport("public.orders", 1, 1, 0, 0, 0));

            commands.hset("tidemark:public.orders:7:3", "amount", "9.5");
            commands.hset("tidemark:public.orders:7:2", Map.of("_tidemark_pos", "998", "order_no", "2"));
            commands.del("tidemark:public.customers:7");

            List<RedisReconciliation.TableReport> reports = reconciliation.compare(c, DemoSchema.TABLES);
            assertThat(reports).containsExactly(
                    new RedisReconciliation.TableReport("public.customers", 1, 0, 1, 0, 0),
                    new RedisReconciliation.TableReport("public.orders", 1, 2, 0, 1, 1));
            assertThat(reports).noneMatch(TableComparison::equal);
            assertThat(reconciliation.differences(c, "public.customers", 5))
                    .containsExactly("only in source: tidemark:public.customers:7");
            assertThat(reconciliation.differences(c, "public.orders", 5)).containsExactly(
                    "only in Redis: tidemark:public.orders:7:2",
                    "differs: tidemark:public.orders:7:3: amount '9.50' / '9.5'");
        }
    }

    private static RedisSinkDef sink() {
        return new RedisSinkDef("cache", redis.uri(), null, "tidemark", RedisValueFormat.HASH, null,
                Duration.ofDays(7), 1000, Duration.ofMillis(100), 10);
    }
}
