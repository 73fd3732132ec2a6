package io.tidemark.pipeline.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class PipelineConfigLoaderTest {

    private static final String FILE = "pipeline.yaml";

    /** The smallest valid file; the malformed cases below each change one thing in it. */
    private static final String MINIMAL = """
            pipeline:
              name: orders-to-warehouse
            source:
              type: postgres
              hostname: localhost
              database: shop
              username: tidemark
              password: ${env:SOURCE_PASSWORD}
              tables: [public.orders, public.customers]
            sinks:
              - name: warehouse
                type: jdbc
                url: jdbc:postgresql://localhost:5433/warehouse
                username: tidemark
                password: ${env:SINK_PASSWORD}
            """;

    private static final String SECOND_SINK = """
              - name: lake
                type: jdbc
                url: jdbc:mysql://localhost:3306/lake
                username: tidemark
                password: ${env:LAKE_PASSWORD}
            """;

    private static final String SECOND_REDIS_SINK = """
              - name: cache
                type: redis
                uri: redis://localhost:6379
            """;

    /** A file with a Redis sink needs a queue outside Redis and outside the JDBC sinks' own databases. */
    private static final String QUEUE_FOR_REDIS = """
            dead-letter-queue:
              url: jdbc:postgresql://ops-db:5432/ops
              username: tidemark
              password: ${env:DLQ_PASSWORD}
            """;

    @Test
    void fullFileLoadsToTheExpectedDefinition() throws Exception {
        String yaml = """
                pipeline:
                  name: orders-to-warehouse
                  parallelism: 4
                source:
                  type: postgres
                  hostname: db.internal
                  port: 5433
                  database: shop
                  username: tidemark
                  password: ${file:/run/secrets/source-password}
                  tables: [public.orders, public.customers, billing.invoices]
                  slot-name: tidemark_orders
                  publication-name: tidemark_pub
                  snapshot-chunk-size: 1024
                  startup-mode: latest
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: jdbc:postgresql://warehouse.internal:5432/warehouse?sslmode=require
                    username: loader
                    password: ${env:SINK_PASSWORD}
                    batch-size: 1000
                    flush-interval: 1s
                    flush-threads: 4
                    tombstone-retention: 2d
                    max-retries: 0
                  - name: lake
                    type: jdbc
                    url: jdbc:mariadb://lake.internal:3306/lake
                    username: loader
                    password: ${env:LAKE_PASSWORD}
                routes:
                  - source-table: public.orders
                    sink: warehouse
                    sink-table: sales.orders
                  - source-table: public.orders
                    sink: lake
                  - source-table: public.customers
                    sink: warehouse
                  - source-table: billing.invoices
                    sink: lake
                    sink-table: billing.invoices_v2
                checkpointing:
                  interval: 2 min
                  timeout: 10 min
                  min-pause: 0s
                  externalized-retention: DELETE_ON_CANCELLATION
                  checkpoints-dir: s3://tidemark/checkpoints
                  savepoints-dir: s3://tidemark/savepoints
                """;

        PipelineDef pipeline = PipelineConfigLoader.parse(yaml, FILE);

        assertThat(pipeline).isEqualTo(new PipelineDef(
                "orders-to-warehouse",
                4,
                new PostgresSourceDef(
                        "db.internal",
                        5433,
                        "shop",
                        "tidemark",
                        Secret.of("${file:/run/secrets/source-password}"),
                        List.of("public.orders", "public.customers", "billing.invoices"),
                        "tidemark_orders",
                        "tidemark_pub",
                        1024,
                        StartupMode.LATEST),
                List.of(
                        new JdbcSinkDef(
                                "warehouse",
                                "jdbc:postgresql://warehouse.internal:5432/warehouse?sslmode=require",
                                "loader",
                                Secret.of("${env:SINK_PASSWORD}"),
                                1000,
                                Duration.ofSeconds(1),
                                4,
                                Duration.ofDays(2),
                                0),
                        new JdbcSinkDef(
                                "lake",
                                "jdbc:mariadb://lake.internal:3306/lake",
                                "loader",
                                Secret.of("${env:LAKE_PASSWORD}"),
                                5000,
                                Duration.ofMillis(200),
                                2,
                                Duration.ofDays(7),
                                3)),
                List.of(
                        new RouteDef("public.orders", "warehouse", "sales.orders"),
                        new RouteDef("public.orders", "lake", "public.orders"),
                        new RouteDef("public.customers", "warehouse", "public.customers"),
                        new RouteDef("billing.invoices", "lake", "billing.invoices_v2")),
                new CheckpointingDef(
                        Duration.ofMinutes(2),
                        Duration.ofMinutes(10),
                        Duration.ZERO,
                        ExternalizedRetention.DELETE_ON_CANCELLATION,
                        "s3://tidemark/checkpoints",
                        "s3://tidemark/savepoints")));
    }

    @Test
    void minimalFileGetsEveryDefault() throws Exception {
        PipelineDef pipeline = PipelineConfigLoader.parse(MINIMAL, FILE);

        String tmp = System.getProperty("java.io.tmpdir").replaceAll("/+$", "");
        assertThat(pipeline).isEqualTo(new PipelineDef(
                "orders-to-warehouse",
                1,
                new PostgresSourceDef(
                        "localhost",
                        5432,
                        "shop",
                        "tidemark",
                        Secret.of("${env:SOURCE_PASSWORD}"),
                        List.of("public.orders", "public.customers"),
                        "tidemark_orders_to_warehouse",
                        "tidemark_orders_to_warehouse",
                        8096,
                        StartupMode.INITIAL),
                List.of(new JdbcSinkDef(
                        "warehouse",
                        "jdbc:postgresql://localhost:5433/warehouse",
                        "tidemark",
                        Secret.of("${env:SINK_PASSWORD}"),
                        5000,
                        Duration.ofMillis(200),
                        2,
                        Duration.ofDays(7),
                        3)),
                List.of(
                        new RouteDef("public.orders", "warehouse", "public.orders"),
                        new RouteDef("public.customers", "warehouse", "public.customers")),
                new CheckpointingDef(
                        Duration.ofSeconds(60),
                        Duration.ofSeconds(120),
                        Duration.ofSeconds(30),
                        ExternalizedRetention.RETAIN_ON_CANCELLATION,
                        "file://" + tmp + "/tidemark/checkpoints",
                        "file://" + tmp + "/tidemark/savepoints")));
    }

    @Test
    void withoutRoutesEverySourceTableGoesToTheOnlySinkUnderItsOwnName() throws Exception {
        String yaml = MINIMAL.replace(
                "tables: [public.orders, public.customers]", "tables: [public.orders, billing.invoices, public.items]");

        PipelineDef pipeline = PipelineConfigLoader.parse(yaml, FILE);

        assertThat(pipeline.routes())
                .containsExactly(
                        new RouteDef("public.orders", "warehouse", "public.orders"),
                        new RouteDef("billing.invoices", "warehouse", "billing.invoices"),
                        new RouteDef("public.items", "warehouse", "public.items"));
    }

    @Test
    void quotedNamesAreReadInTheirNormalWrittenFormSoEitherSpellingMatches() throws Exception {
        String yaml = MINIMAL.replace("tables: [public.orders, public.customers]",
                "tables: ['\"public\".\"orders\"', '\"Sales\".\"Order-Items\"']") + """
                routes:
                  - source-table: public.orders
                    sink: warehouse
                    sink-table: '"Reporting"."Line ""Items"" (copy)"'
                  - source-table: 'Sales."Order-Items"'
                    sink: warehouse
                """;

        PipelineDef pipeline = PipelineConfigLoader.parse(yaml, FILE);

        assertThat(pipeline.source().tables()).containsExactly("public.orders", "Sales.\"Order-Items\"");
        assertThat(pipeline.routes()).containsExactly(
                new RouteDef("public.orders", "warehouse", "Reporting.\"Line \"\"Items\"\" (copy)\""),
                new RouteDef("Sales.\"Order-Items\"", "warehouse", "Sales.\"Order-Items\""));
    }

    @Test
    void partialRoutesAreNotCompletedButRejected() {
        String yaml = MINIMAL + """
                routes:
                  - source-table: public.orders
                    sink: warehouse
                """;

        assertThat(problems(yaml))
                .containsExactly(
                        "routes: source table public.customers has no route; add a route or remove it from source.tables");
    }

    @Test
    void redisSinkLoadsWithItsDefaults() throws Exception {
        String yaml = MINIMAL + SECOND_REDIS_SINK + """
                  - name: sessions
                    type: redis
                    uri: rediss://cache.internal:6380
                    password: ${env:REDIS_PASSWORD}
                    key-prefix: shop.v2
                    format: json
                    ttl: 1h
                    tombstone-retention: 1d
                    batch-size: 200
                    flush-interval: 50ms
                    max-retries: 3
                    durability: Replicas  2
                    durability-timeout: 2s
                """ + routesToWarehouse() + """
                  - source-table: public.orders
                    sink: cache
                  - source-table: public.customers
                    sink: sessions
                """ + QUEUE_FOR_REDIS;

        PipelineDef pipeline = PipelineConfigLoader.parse(yaml, FILE);

        assertThat(pipeline.sinks().subList(1, 3))
                .containsExactly(
                        new RedisSinkDef("cache", "redis://localhost:6379", null, "tidemark", RedisValueFormat.HASH,
                                null, Duration.ofDays(7), 1000, Duration.ofMillis(200), 10),
                        new RedisSinkDef("sessions", RedisSinkMode.STANDALONE, "rediss://cache.internal:6380",
                                Secret.of("${env:REDIS_PASSWORD}"), "shop.v2", RedisValueFormat.JSON,
                                Duration.ofHours(1), Duration.ofDays(1), 200, Duration.ofMillis(50), 3,
                                RedisDurability.replicas(2), Duration.ofSeconds(2)));
        assertThat(((RedisSinkDef) pipeline.sinks().get(1)).durability()).isEqualTo(RedisDurability.none());
        assertThat(((RedisSinkDef) pipeline.sinks().get(1)).durabilityTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(PipelineConfigLoader.parse(yaml.replace("Replicas  2", "AOF"), FILE).sinks().get(2))
                .extracting(sink -> ((RedisSinkDef) sink).durability()).isEqualTo(RedisDurability.aof());
    }

    static Stream<Arguments> redisDurabilitiesThatAreNotOne() {
        return Stream.of(
                arguments("replica 2", "sinks[1].durability: expected none, aof or \"replicas N\" (N >= 1), got \"replica 2\""),
                arguments("replicas 0", "sinks[1].durability: expected none, aof or \"replicas N\" (N >= 1), got \"replicas 0\""),
                arguments("replicas", "sinks[1].durability: expected none, aof or \"replicas N\" (N >= 1), got \"replicas\""),
                arguments("fsync", "sinks[1].durability: expected none, aof or \"replicas N\" (N >= 1), got \"fsync\""),
                arguments("[aof]", "sinks[1].durability: expected none, aof or \"replicas N\" (N >= 1), got a list"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("redisDurabilitiesThatAreNotOne")
    void redisDurabilityThatIsNotOneIsOneLine(String durability, String problem) {
        String yaml = MINIMAL + SECOND_REDIS_SINK + "    durability: " + durability + "\n" + routesToWarehouse()
                + "  - source-table: public.orders\n    sink: cache\n" + QUEUE_FOR_REDIS;

        assertThat(problems(yaml)).containsExactly(problem);
        assertThat(problems(yaml.replace("durability: " + durability, "durability-timeout: 0s")))
                .containsExactly("sinks[1].durability-timeout: expected a duration > 0, got \"0s\"");
    }

    @Test
    void aRedisSinkNeedsAQueueOutsideTheJdbcSinksDatabases() throws Exception {
        String yaml = MINIMAL + SECOND_REDIS_SINK + routesToWarehouse() + "  - source-table: public.orders\n    sink: cache\n";

        assertThat(problems(yaml)).containsExactly("dead-letter-queue.url: required with a Redis sink (sinks[1] cache),"
                + " which has no database of its own for the writes Redis rejects; set url, username and password to a"
                + " PostgreSQL or MySQL database, or type: kafka, or type: none to fail the job on a rejected write");
        assertThat(problems(yaml + "dead-letter-queue:\n  max-attempts: 5\n")).hasSize(1);

        assertThat(PipelineConfigLoader.parse(yaml + QUEUE_FOR_REDIS, FILE).deadLetterQueue().url())
                .isEqualTo("jdbc:postgresql://ops-db:5432/ops");
        assertThat(PipelineConfigLoader.parse(yaml + "dead-letter-queue:\n  type: kafka\n  bootstrap-servers: kafka:9092\n",
                FILE).deadLetterQueue().type()).isEqualTo(DeadLetterQueueType.KAFKA);
        assertThat(PipelineConfigLoader.parse(yaml + "dead-letter-queue:\n  type: none\n", FILE).deadLetterQueue().type())
                .isEqualTo(DeadLetterQueueType.NONE);
    }

    @Test
    void redisSinkWithMalformedKeysIsOneLinePerProblem() {
        String yaml = MINIMAL + SECOND_REDIS_SINK.replace("redis://localhost:6379", "redis://:hunter2@localhost:6379")
                + "    key-prefix: \"a{b}\"\n    format: xml\n    ttl: 0s\n" + routesToWarehouse() + """
                  - source-table: public.orders
                    sink: cache
                """ + QUEUE_FOR_REDIS;

        assertThat(problems(yaml))
                .containsExactly(
                        "sinks[1].uri: must not contain credentials; put the password in sinks[1].password",
                        "sinks[1].key-prefix: expected 1 to 64 letters, digits, '_', '.' or '-', got \"a{b}\"",
                        "sinks[1].format: expected one of [hash, json], got \"xml\"",
                        "sinks[1].ttl: expected a duration > 0, got \"0s\"");
    }

    @Test
    void redisSinkWithoutAPortIsRejected() {
        String yaml = MINIMAL + SECOND_REDIS_SINK.replace("redis://localhost:6379", "http://localhost")
                + routesToWarehouse() + """
                  - source-table: public.orders
                    sink: cache
                """ + QUEUE_FOR_REDIS;

        assertThat(problems(yaml)).containsExactly("sinks[1].uri: expected a URI starting with redis:// or rediss://");
    }

    @Test
    void redisClusterSinkLoadsWithItsSeedNodes() throws Exception {
        String yaml = MINIMAL + """
                  - name: cache
                    type: redis
                    mode: cluster
                    uri: rediss://10.0.0.1:7000,10.0.0.2:7000,[::1]:7001/0
                    password: ${env:REDIS_PASSWORD}
                """ + routesToWarehouse() + """
                  - source-table: public.orders
                    sink: cache
                """ + QUEUE_FOR_REDIS;

        PipelineDef pipeline = PipelineConfigLoader.parse(yaml, FILE);

        assertThat(pipeline.sinks().get(1))
                .isEqualTo(new RedisSinkDef("cache", RedisSinkMode.CLUSTER, "rediss://10.0.0.1:7000,10.0.0.2:7000,[::1]:7001/0",
                        Secret.of("${env:REDIS_PASSWORD}"), "tidemark", RedisValueFormat.HASH, null, Duration.ofDays(7),
                        1000, Duration.ofMillis(200), 10));
        assertThat(PipelineConfigLoader.parse(MINIMAL + SECOND_REDIS_SINK + "    mode: STANDALONE\n" + routesToWarehouse()
                        + "  - source-table: public.orders\n    sink: cache\n" + QUEUE_FOR_REDIS, FILE).sinks().get(1))
                .extracting(sink -> ((RedisSinkDef) sink).mode()).isEqualTo(RedisSinkMode.STANDALONE);
    }

    static Stream<Arguments> redisAddressesThatDoNotFitTheirMode() {
        return Stream.of(
                arguments("several hosts without mode: cluster", "uri: redis://a:7000,b:7000",
                        "sinks[1].uri: lists 2 hosts, but mode is standalone; set mode: cluster for a Redis Cluster,"
                                + " or give one host"),
                arguments("a database other than 0 in a cluster", "mode: cluster\n    uri: redis://a:7000,b:7000/3",
                        "sinks[1].uri: selects database 3, but a Redis Cluster has only database 0; remove /3"),
                arguments("a database that is not a number", "uri: redis://a:7000/cache",
                        "sinks[1].uri: expected nothing or a database number after host:port, such as"
                                + " redis://localhost:6379/0"),
                arguments("a seed node without a port", "mode: cluster\n    uri: redis://a:7000,b",
                        "sinks[1].uri: expected redis://host:port with a port in 1..65535 for each comma-separated host"),
                arguments("an empty seed node", "mode: cluster\n    uri: redis://a:7000,",
                        "sinks[1].uri: expected redis://host:port with a port in 1..65535 for each comma-separated host"),
                arguments("credentials in a seed node", "mode: cluster\n    uri: redis://a:7000,:hunter2@b:7000",
                        "sinks[1].uri: must not contain credentials; put the password in sinks[1].password"),
                arguments("an unknown mode", "mode: sentinel\n    uri: redis://a:7000",
                        "sinks[1].mode: expected one of [standalone, cluster], got \"sentinel\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("redisAddressesThatDoNotFitTheirMode")
    void redisAddressThatDoesNotFitItsModeIsOneLine(String name, String keys, String problem) {
        String yaml = MINIMAL + "  - name: cache\n    type: redis\n    " + keys + "\n" + routesToWarehouse() + """
                  - source-table: public.orders
                    sink: cache
                """ + QUEUE_FOR_REDIS;

        assertThat(problems(yaml)).containsExactly(problem);
        assertThat(String.join("\n", problems(yaml))).doesNotContain("hunter2");
    }

    private static final String MYSQL_SOURCE = """
            pipeline:
              name: shop-to-warehouse
              parallelism: 3
            source:
              type: mysql
              hostname: shop-db
              username: cdc
              password: ${env:SOURCE_PASSWORD}
              tables: [shop.orders, billing.invoices]
            sinks:
              - name: warehouse
                type: jdbc
                url: jdbc:postgresql://localhost:5433/warehouse
                username: tidemark
                password: ${env:SINK_PASSWORD}
            """;

    @Test
    void mysqlSourceLoadsWithItsDefaults() throws Exception {
        PipelineDef def = PipelineConfigLoader.parse(MYSQL_SOURCE, FILE);

        MySqlSourceDef source = (MySqlSourceDef) def.source();
        assertThat(source.hostname()).isEqualTo("shop-db");
        assertThat(source.port()).isEqualTo(3306);
        assertThat(source.username()).isEqualTo("cdc");
        assertThat(source.password()).isEqualTo(Secret.of("${env:SOURCE_PASSWORD}"));
        assertThat(source.tables()).containsExactly("shop.orders", "billing.invoices");
        assertThat(source.databases()).containsExactly("shop", "billing");
        assertThat(source.serverTimeZone()).isEqualTo("UTC");
        assertThat(source.snapshotChunkSize()).isEqualTo(8096);
        assertThat(source.startupMode()).isEqualTo(StartupMode.INITIAL);
        assertThat(source.tls()).isEqualTo(MySqlTls.PREFERRED);
        // one id per parallel reader, stable for the pipeline name
        assertThat(source.serverIds()).isEqualTo(MySqlSourceOptions.defaultServerIds("shop-to-warehouse", 3));
        assertThat(MySqlSourceOptions.serverIdCount(source.serverIds())).isEqualTo(3);
        assertThat(source.serverIds()).isNotEqualTo(MySqlSourceOptions.defaultServerIds("shop-to-lake", 3));
        assertThat(def.routes()).extracting(RouteDef::sinkTable).containsExactly("shop.orders", "billing.invoices");
    }

    @Test
    void mysqlSourceTakesAnExplicitServerIdRangeAndZone() throws Exception {
        PipelineDef def = PipelineConfigLoader.parse(MYSQL_SOURCE.replace("  tables:",
                "  server-id: 5400-5403\n  server-time-zone: Europe/Berlin\n  tables:"), FILE);

        MySqlSourceDef source = (MySqlSourceDef) def.source();
        assertThat(source.serverIds()).isEqualTo("5400-5403");
        assertThat(source.serverTimeZone()).isEqualTo("Europe/Berlin");
    }

    @Test
    void mysqlSourceTakesATlsModeInConnectorJsTermsAndRefusesOthersInOneLine() throws Exception {
        PipelineDef def = PipelineConfigLoader.parse(MYSQL_SOURCE.replace("  tables:", "  tls: verify-ca\n  tables:"), FILE);

        assertThat(((MySqlSourceDef) def.source()).tls()).isEqualTo(MySqlTls.VERIFY_CA);
        assertThat(problems(MYSQL_SOURCE.replace("  tables:", "  tls: yes-please\n  tables:"))).containsExactly(
                "source.tls: expected one of [preferred, required, verify-ca, verify-identity, disabled], got"
                        + " \"yes-please\"");
    }

    @Test
    void mysqlSourceMistakesAreOneLineEach() {
        String yaml = MYSQL_SOURCE.replace("  tables:",
                "  server-id: 5400-5401\n  server-time-zone: Mars/Olympus\n  port: 0\n  tables:");

        assertThat(problems(yaml)).containsExactlyInAnyOrder(
                        "source.server-time-zone: expected a time-zone id such as UTC or Europe/Berlin, got \"Mars/Olympus\"",
                        "source.port: expected 1..65535, got 0",
                        "source.server-id: 5400-5401 has 2 id(s) but pipeline.parallelism is 3; give a range of at"
                                + " least 3 ids, such as 5400-5402");
        assertThat(problems(MYSQL_SOURCE.replace("  tables:", "  server-id: 5405-5400\n  tables:"))).containsExactly("source.server-id: expected ids in 1..4294967295 with the first not above"
                        + " the last, got 5405-5400");
    }

    @Test
    void withoutTheSectionEachJdbcSinkKeepsAQueueTableInItsOwnDatabase() throws Exception {
        DeadLetterQueueDef dlq = PipelineConfigLoader.parse(MINIMAL, FILE).deadLetterQueue();

        assertThat(dlq).isEqualTo(DeadLetterQueueDef.defaults());
        assertThat(dlq.type()).isEqualTo(DeadLetterQueueType.JDBC);
        assertThat(dlq.url()).isNull();
        assertThat(dlq.table()).isEqualTo("_tidemark_dlq");
        assertThat(dlq.maxAttempts()).isEqualTo(3);
        assertThat(dlq.afterRejection()).isEqualTo(DeadLetterPolicy.PARK);
        assertThat(dlq.transientErrors()).isEmpty();
    }

    @Test
    void deadLetterQueueInAnotherDatabaseLoads() throws Exception {
        DeadLetterQueueDef dlq = PipelineConfigLoader.parse(MINIMAL + """
                dead-letter-queue:
                  url: jdbc:postgresql://ops-db:5432/ops
                  username: tidemark
                  password: ${env:DLQ_PASSWORD}
                  table: tidemark.dead_letters
                  max-attempts: 5
                  after-rejection: continue
                  transient-errors: [57P01, 1205]
                """, FILE).deadLetterQueue();

        assertThat(dlq.url()).isEqualTo("jdbc:postgresql://ops-db:5432/ops");
        assertThat(dlq.username()).isEqualTo("tidemark");
        assertThat(dlq.password()).isEqualTo(Secret.of("${env:DLQ_PASSWORD}"));
        assertThat(dlq.table()).isEqualTo("tidemark.dead_letters");
        assertThat(dlq.maxAttempts()).isEqualTo(5);
        assertThat(dlq.afterRejection()).isEqualTo(DeadLetterPolicy.CONTINUE);
        assertThat(dlq.transientErrors()).containsExactly("57P01", "1205");
    }

    @Test
    void deadLetterQueueMistakesAreOneLineEach() {
        assertThat(problems(MINIMAL + """
                dead-letter-queue:
                  type: kafak
                  url: jdbc:postgresql://ops-db:5432/ops
                  max-attempts: 0
                  after-rejection: drop
                  transient-errors: [oops!, 40001]
                """)).containsExactlyInAnyOrder(
                "dead-letter-queue.type: expected one of [jdbc, kafka, none], got \"kafak\"",
                "dead-letter-queue.max-attempts: expected 1..100, got 0",
                "dead-letter-queue.after-rejection: expected one of [park, continue], got \"drop\"",
                "dead-letter-queue.transient-errors[0]: expected a SQLSTATE (5 characters, such as 40001) or a"
                        + " vendor error number, got \"oops!\"");
        assertThat(problems(MINIMAL + """
                dead-letter-queue:
                  url: jdbc:postgresql://ops-db:5432/ops
                """)).containsExactlyInAnyOrder(
                "dead-letter-queue.username: required with url",
                "dead-letter-queue.password: required with url");
        assertThat(problems(MINIMAL + "dead-letter-queue:\n  username: tidemark\n")).containsExactly(
                "dead-letter-queue.username: only used with url; remove it, or set url to the queue's database");
    }

    @Test
    void kafkaDeadLetterQueueLoadsWithATopicNamedAfterThePipeline() throws Exception {
        DeadLetterQueueDef dlq = PipelineConfigLoader.parse(MINIMAL + """
                dead-letter-queue:
                  type: kafka
                  bootstrap-servers: kafka-1:9092, kafka-2:9092
                """, FILE).deadLetterQueue();

        assertThat(dlq.type()).isEqualTo(DeadLetterQueueType.KAFKA);
        assertThat(dlq.kafka().bootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(dlq.kafka().topic())
                .isEqualTo("tidemark-dlq-" + PipelineConfigLoader.parse(MINIMAL, FILE).name());
        assertThat(dlq.kafka().securityProtocol()).isEqualTo("PLAINTEXT");
        assertThat(dlq.kafka().saslMechanism()).isNull();
        assertThat(dlq.maxAttempts()).isEqualTo(3);
    }

    @Test
    void kafkaDeadLetterQueueWithSaslLoads() throws Exception {
        DeadLetterQueueDef dlq = PipelineConfigLoader.parse(MINIMAL + """
                dead-letter-queue:
                  type: kafka
                  bootstrap-servers: kafka:9093
                  topic: ops.dead-letters
                  security-protocol: sasl_ssl
                  sasl-mechanism: SCRAM-SHA-512
                  sasl-username: tidemark
                  sasl-password: ${env:DLQ_KAFKA_PASSWORD}
                """, FILE).deadLetterQueue();

        KafkaQueueDef kafka = dlq.kafka();
        assertThat(kafka.topic()).isEqualTo("ops.dead-letters");
        assertThat(kafka.securityProtocol()).isEqualTo("SASL_SSL");
        assertThat(kafka.saslMechanism()).isEqualTo("SCRAM-SHA-512");
        assertThat(kafka.saslUsername()).isEqualTo("tidemark");
        assertThat(kafka.saslPassword()).isEqualTo(Secret.of("${env:DLQ_KAFKA_PASSWORD}"));
    }

    @Test
    void kafkaDeadLetterQueueMistakesAreOneLineEach() {
        assertThat(problems(MINIMAL + """
                dead-letter-queue:
                  type: kafka
                  table: dead_letters
                  url: jdbc:postgresql://ops-db:5432/ops
                  topic: "no spaces allowed"
                  sasl-username: tidemark
                """)).containsExactlyInAnyOrder(
                "dead-letter-queue.bootstrap-servers: required with type kafka",
                "dead-letter-queue.table: only used with type jdbc; remove it",
                "dead-letter-queue.url: only used with type jdbc; remove it",
                "dead-letter-queue.topic: expected a Kafka topic name (letters, digits, '.', '_', '-'), got"
                        + " \"no spaces allowed\"",
                "dead-letter-queue.sasl-username: only used with security-protocol SASL_SSL or SASL_PLAINTEXT");
        assertThat(problems(MINIMAL + """
                dead-letter-queue:
                  type: kafka
                  bootstrap-servers: kafka
                  security-protocol: SASL_PLAINTEXT
                  sasl-password: ${vault:x}
                """)).containsExactlyInAnyOrder(
                "dead-letter-queue.bootstrap-servers: expected host:port[,host:port...], got \"kafka\"",
                "dead-letter-queue.sasl-password: unknown secret reference; use ${env:NAME},"
                        + " ${file:/absolute/path} or a literal value",
                "dead-letter-queue.sasl-mechanism: required with security-protocol SASL_PLAINTEXT",
                "dead-letter-queue.sasl-username: required with security-protocol SASL_PLAINTEXT");
        assertThat(problems(MINIMAL + """
                dead-letter-queue:
                  bootstrap-servers: kafka:9092
                """)).containsExactly(
                "dead-letter-queue.bootstrap-servers: only used with type kafka; remove it, or set type: kafka");
    }

    @Test
    void literalPasswordIsAcceptedButMasked() throws Exception {
        String yaml = MINIMAL.replace("${env:SOURCE_PASSWORD}", "local-only-password");

        PipelineDef pipeline = PipelineConfigLoader.parse(yaml, FILE);

        PostgresSourceDef source = (PostgresSourceDef) pipeline.source();
        assertThat(source.password().isLiteral()).isTrue();
        assertThat(source.password().resolve()).isEqualTo("local-only-password");
        assertThat(pipeline.toString()).doesNotContain("local-only-password");
    }

    @Test
    void loadReadsAFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve(FILE), MINIMAL);

        assertThat(PipelineConfigLoader.load(file)).isEqualTo(PipelineConfigLoader.parse(MINIMAL, FILE));
    }

    @Test
    void missingFileIsOneProblem(@TempDir Path dir) {
        Path file = dir.resolve("absent.yaml");

        assertThatThrownBy(() -> PipelineConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": no such file");
    }

    @Test
    void syntaxErrorsNameTheFileLineAndColumn(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve(FILE), MINIMAL.replace("  database: shop\n", "  database: shop\n   port: 5432\n"));

        assertThatThrownBy(() -> PipelineConfigLoader.load(file))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ":7:8: invalid YAML: mapping values are not allowed here");
    }

    @Test
    void theShippedExampleIsValid() throws Exception {
        PipelineDef example = PipelineConfigLoader.load(Path.of("..", "examples", "pipeline.yaml"));

        assertThat(example.routes()).hasSizeGreaterThanOrEqualTo(example.source().tables().size());
        assertThat(example.source()).isInstanceOfSatisfying(
                PostgresSourceDef.class, source -> assertThat(source.password().isLiteral()).isFalse());
        assertThat(example.sinks()).allSatisfy(sink -> assertThat(((JdbcSinkDef) sink).password().isLiteral()).isFalse());
    }

    static Stream<Arguments> malformedFiles() {
        return Stream.of(
                arguments(
                        "port out of range",
                        with("  database: shop\n", "  database: shop\n  port: 70000\n"),
                        "source.port: expected 1..65535, got 70000"),
                arguments(
                        "misspelled key",
                        with("  hostname: localhost", "  hostnmae: localhost"),
                        "source.hostnmae: unknown key; did you mean source.hostname?"),
                arguments(
                        "misspelled key in another case",
                        with("  tables:", "  Tables:"),
                        "source.Tables: unknown key; did you mean source.tables?"),
                arguments(
                        "unknown key without a near match",
                        with("  database: shop\n", "  database: shop\n  colour: blue\n"),
                        "source.colour: unknown key; valid keys are type, hostname, port, database, username,"
                                + " password, tables, slot-name, publication-name, snapshot-chunk-size, startup-mode, truncate"),
                arguments(
                        "misspelled section",
                        with("sinks:", "sink:"),
                        "sink: unknown key; did you mean sinks?"),
                arguments(
                        "wrong type",
                        with("  name: orders-to-warehouse\n", "  name: orders-to-warehouse\n  parallelism: two\n"),
                        "pipeline.parallelism: expected an integer, got \"two\""),
                arguments(
                        "parallelism out of range",
                        with("  name: orders-to-warehouse\n", "  name: orders-to-warehouse\n  parallelism: 0\n"),
                        "pipeline.parallelism: expected 1..512, got 0"),
                arguments(
                        "batch size out of range",
                        with("    username: tidemark\n", "    username: tidemark\n    batch-size: 100001\n"),
                        "sinks[0].batch-size: expected 1..100000, got 100001"),
                arguments(
                        "missing required key",
                        with("  database: shop\n", ""),
                        "source.database: required"),
                arguments(
                        "missing section",
                        MINIMAL.substring(0, MINIMAL.indexOf("sinks:")),
                        "sinks: required"),
                arguments(
                        "missing type",
                        with("  type: postgres\n", ""),
                        "source.type: required; expected one of [mysql, postgres]"),
                arguments(
                        "unsupported type",
                        with("type: postgres", "type: oracle"),
                        "source.type: expected one of [mysql, postgres], got \"oracle\""),
                arguments(
                        "postgres key on a mysql source",
                        with("type: postgres", "type: mysql"),
                        "source.database: unknown key; valid keys are type, hostname, port, username, password,"
                                + " tables, server-id, server-time-zone, tls, snapshot-chunk-size, startup-mode, truncate"),
                arguments(
                        "bad enum value",
                        with("  database: shop\n", "  database: shop\n  startup-mode: earliest\n"),
                        "source.startup-mode: expected one of [initial, latest], got \"earliest\""),
                arguments(
                        "bad duration",
                        with("    username: tidemark\n", "    username: tidemark\n    flush-interval: soon\n"),
                        "sinks[0].flush-interval: expected a duration such as 200ms, 60s, 2 min or 7d, got \"soon\""),
                arguments(
                        "zero duration",
                        MINIMAL + "checkpointing:\n  interval: 0s\n",
                        "checkpointing.interval: expected a duration > 0, got \"0s\""),
                arguments(
                        "bad pipeline name",
                        with("name: orders-to-warehouse", "name: Orders"),
                        "pipeline.name: expected lowercase letters, digits and '-' (not first), at most 63"
                                + " characters, got \"Orders\""),
                arguments(
                        "table without schema",
                        with("[public.orders, public.customers]", "[orders, public.customers]"),
                        "source.tables[0]: \"orders\" has no schema; write schema.table, as in public.orders"),
                arguments(
                        "unbalanced quote in a table name",
                        with("[public.orders, public.customers]", "[public.orders, '\"Sales.orders']"),
                        "source.tables[1]: \"\\\"Sales.orders\" has a double quote at position 1 that is never closed;"
                                + " close it, and write a quote inside a name as \"\""),
                arguments(
                        "table name with three parts",
                        with("[public.orders, public.customers]", "[public.orders, shop.public.customers]"),
                        "source.tables[1]: \"shop.public.customers\" has 3 dot-separated names where schema.table"
                                + " has 2; put a name that contains a dot in double quotes, as in \"Sales\".\"Q1.Orders\""),
                arguments(
                        "table name with a space, unquoted",
                        with("[public.orders, public.customers]", "[public.orders, Sales.Order Items]"),
                        "source.tables[1]: \"Sales.Order Items\" has the name Order Items that needs double quotes:"
                                + " write it as \"Order Items\" (bare names are letters, digits, _ and $, not starting"
                                + " with a digit)"),
                arguments(
                        "quoted table name Flink CDC cannot keep in its checkpoints",
                        with("[public.orders, public.customers]", "[public.orders, '\"Sales\".\"Order Items\"']"),
                        "source.tables[1]: Sales.\"Order Items\" cannot be captured: Flink CDC 3.5 keeps a table's"
                                + " name in its checkpoints unquoted and cannot read one with a space, a dot or a double"
                                + " quote back (the job would fail at its first checkpoint); rename the table or its schema"),
                arguments(
                        "table name that Flink CDC reads as a regular expression",
                        with("[public.orders, public.customers]", "[public.orders, public.orders$archive]"),
                        "source.tables[1]: public.orders$archive cannot be captured: Flink CDC 3.5 matches the table's"
                                + " snapshot chunks against its name read as a regular expression, which"
                                + " public.orders$archive does not match (a character such as $ ( [ { * + ? | \\ ^ or a"
                                + " comma), so changes made while a chunk is read would be lost; rename the table or its"
                                + " schema"),
                arguments(
                        "quoted and bare spellings of one table",
                        with("[public.orders, public.customers]", "[public.orders, '\"public\".\"orders\"']"),
                        "source.tables[1]: duplicate of source.tables[0] (public.orders); list each table once"),
                arguments(
                        "table listed twice",
                        with("[public.orders, public.customers]", "[public.orders, public.orders]"),
                        "source.tables[1]: duplicate of source.tables[0] (public.orders); list each table once"),
                arguments(
                        "tables not a list",
                        with("[public.orders, public.customers]", "public.orders"),
                        "source.tables: expected a list of schema.table names, got \"public.orders\""),
                arguments(
                        "bad slot name",
                        with("  database: shop\n", "  database: shop\n  slot-name: Orders-Slot\n"),
                        "source.slot-name: expected 1 to 63 lowercase letters, digits or '_', got \"Orders-Slot\""),
                arguments(
                        "default slot name too long",
                        with("name: orders-to-warehouse", "name: " + "a".repeat(60)),
                        "source.slot-name: the default tidemark_" + "a".repeat(60)
                                + " is longer than 63 characters; set it explicitly"),
                arguments(
                        "duplicate sink names",
                        MINIMAL + SECOND_SINK.replace("name: lake", "name: warehouse") + routesToWarehouse(),
                        "sinks[1].name: duplicate sink name warehouse, also used by sinks[0]; give each sink a"
                                + " unique name"),
                arguments(
                        "two sinks without routes",
                        MINIMAL + SECOND_SINK,
                        "routes: required when there is more than one sink; add a route for each source table"),
                arguments(
                        "route to an unknown sink",
                        MINIMAL + routesToWarehouse().replaceFirst("sink: warehouse", "sink: lake"),
                        "routes[0].sink: no sink named lake; use one of [warehouse]"),
                arguments(
                        "route from a table not in source.tables",
                        MINIMAL + routesToWarehouse() + "  - source-table: public.refunds\n    sink: warehouse\n",
                        "routes[2].source-table: public.refunds is not in source.tables; add it there or use one of"
                                + " [public.orders, public.customers]"),
                arguments(
                        "two routes into one sink table",
                        MINIMAL + routesToWarehouse() + "    sink-table: public.orders\n",
                        "routes[1].sink-table: public.orders in sink warehouse is already written by routes[0]; give"
                                + " each source table its own sink table"),
                arguments(
                        "url with a password parameter",
                        with("localhost:5433/warehouse", "localhost:5433/warehouse?user=tidemark&password=hunter2"),
                        "sinks[0].url: must not contain a password= parameter; put the password in sinks[0].password"),
                arguments(
                        "url with user info",
                        with("//localhost:5433/warehouse", "//tidemark:hunter2@localhost:5433/warehouse"),
                        "sinks[0].url: must not contain user:password@ credentials; use sinks[0].username and"
                                + " sinks[0].password"),
                arguments(
                        "url for an unsupported database",
                        with("jdbc:postgresql://localhost:5433/warehouse", "jdbc:oracle:thin:@localhost:1521/orcl"),
                        "sinks[0].url: expected a URL starting with jdbc:postgresql:, jdbc:mysql: or jdbc:mariadb:"),
                arguments(
                        "empty env reference",
                        with("${env:SOURCE_PASSWORD}", "${env:}"),
                        "source.password: malformed secret reference; ${env:NAME} needs a variable name of letters,"
                                + " digits and '_'"),
                arguments(
                        "unknown secret provider",
                        with("${env:SINK_PASSWORD}", "${foo:bar}"),
                        "sinks[0].password: unknown secret reference; use ${env:NAME}, ${file:/absolute/path} or a"
                                + " literal value"),
                arguments(
                        "checkpoint dir without scheme",
                        MINIMAL + "checkpointing:\n  checkpoints-dir: /var/lib/tidemark\n",
                        "checkpointing.checkpoints-dir: expected a URI with a scheme among file, s3, s3a, s3p, hdfs,"
                                + " gs, abfs, oss, got \"/var/lib/tidemark\"; use file:///var/lib/tidemark"),
                arguments(
                        "checkpoint dir with unsupported scheme",
                        MINIMAL + "checkpointing:\n  savepoints-dir: ftp://host/savepoints\n",
                        "checkpointing.savepoints-dir: expected a URI with a scheme among file, s3, s3a, s3p, hdfs,"
                                + " gs, abfs, oss, got \"ftp://host/savepoints\""),
                arguments(
                        "bad retention",
                        MINIMAL + "checkpointing:\n  externalized-retention: KEEP\n",
                        "checkpointing.externalized-retention: expected one of [RETAIN_ON_CANCELLATION,"
                                + " DELETE_ON_CANCELLATION, NO_EXTERNALIZED_CHECKPOINTS], got \"KEEP\""),
                arguments(
                        "section that is not a mapping",
                        MINIMAL + "checkpointing: 60s\n",
                        "checkpointing: expected a mapping, got \"60s\""),
                arguments(
                        "YAML syntax error",
                        with("  database: shop\n", "  database: shop\n   port: 5432\n"),
                        "pipeline.yaml:7:8: invalid YAML: mapping values are not allowed here"),
                arguments(
                        "unclosed flow sequence",
                        with("public.customers]", "public.customers"),
                        "pipeline.yaml:10:6: invalid YAML: expected ',' or ']', but got : (while parsing a flow"
                                + " sequence at line 9, column 11)"),
                arguments(
                        "duplicate key",
                        with("  database: shop\n", "  database: shop\n  database: shop2\n"),
                        "pipeline.yaml:7:11: duplicate key 'database'; keep only one"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedFiles")
    void eachMistakeIsOneLineNamingThePath(String mistake, String yaml, String expectedProblem) {
        assertThat(problems(yaml)).containsExactly(expectedProblem);
    }

    @Test
    void allProblemsAreReportedTogether() {
        String yaml = MINIMAL.replace("  hostname: localhost\n", "  hostnmae: localhost\n  port: 70000\n")
                .replace("    username: tidemark\n", "    username: tidemark\n    batch-size: 0\n");

        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PipelineConfigLoader.parse(yaml, FILE));

        assertThat(e.problems())
                .containsExactly(
                        "source.hostnmae: unknown key; did you mean source.hostname?",
                        "source.port: expected 1..65535, got 70000",
                        "sinks[0].batch-size: expected 1..100000, got 0");
        assertThat(e.getMessage()).isEqualTo(String.join("\n", e.problems()));
    }

    @Test
    void anEmptyFileNamesTheRequiredSections() {
        assertThat(problems("")).containsExactly("pipeline: required", "source: required", "sinks: required");
    }

    @Test
    void aFileThatIsNotAMappingIsOneProblem() {
        assertThat(problems("- pipeline\n"))
                .containsExactly(
                        "pipeline.yaml: expected a mapping with the sections pipeline, source, sinks, routes,"
                                + " dead-letter-queue, checkpointing, got a list");
    }

    @Test
    void noProblemRevealsASecret() {
        String secret = "hunter2-very-secret";
        List<String> yamls = List.of(
                MINIMAL.replace("${env:SOURCE_PASSWORD}", secret)
                        .replace("localhost:5433/warehouse", "localhost:5433/warehouse?password=" + secret)
                        .replace("  database: shop\n", "  port: x\n"),
                MINIMAL.replace("//localhost:5433", "//tidemark:" + secret + "@localhost:5433"),
                MINIMAL.replace("jdbc:postgresql://localhost", "postgresql://tidemark:" + secret + "@localhost"),
                MINIMAL.replace("${env:SOURCE_PASSWORD}", "${" + secret + "}"),
                MINIMAL.replace("${env:SOURCE_PASSWORD}", "[" + secret + "]"),
                MINIMAL.replace("${env:SOURCE_PASSWORD}", "\"" + secret + "\n"));

        for (String yaml : yamls) {
            assertThat(problems(yaml)).isNotEmpty().allSatisfy(problem -> assertThat(problem).doesNotContain(secret));
        }
    }

    private static List<String> problems(String yaml) {
        ConfigException e = catchThrowableOfType(ConfigException.class, () -> PipelineConfigLoader.parse(yaml, FILE));
        assertThat(e).as("expected problems for:%n%s", yaml).isNotNull();
        assertThat(e.problems()).allSatisfy(problem -> assertThat(problem).doesNotContain("\n"));
        return e.problems();
    }

    /** MINIMAL with {@code from} replaced; fails if {@code from} is not there, so no case tests nothing. */
    private static String with(String from, String to) {
        assertThat(MINIMAL).contains(from);
        return MINIMAL.replace(from, to);
    }

    private static String routesToWarehouse() {
        return """
                routes:
                  - source-table: public.orders
                    sink: warehouse
                  - source-table: public.customers
                    sink: warehouse
                """;
    }
}
