package io.tidemark.pipeline.sink.redis;

import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;

/** One embedded Redis server per test class, emptied before each test. */
abstract class RedisTestBase {

    private static EmbeddedRedis redis;

    @BeforeAll
    static void startRedis() throws IOException {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopRedis() throws IOException {
        if (redis != null) {
            redis.close();
        }
    }

    @BeforeEach
    void emptyRedis() {
        redis().flushall();
    }

    static void startServer() throws IOException {
        redis.startServer();
    }

    static void stopServer() throws IOException {
        redis.stopServer();
    }

    static RedisCommands<String, String> redis() {
        return redis.commands();
    }

    static String uri() {
        return redis.uri();
    }

    static EmbeddedRedis embeddedRedis() {
        return redis;
    }
}
