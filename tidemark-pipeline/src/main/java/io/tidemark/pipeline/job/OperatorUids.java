package io.tidemark.pipeline.job;

/**
 * The stable uids of Tidemark's operators. They are how Flink maps savepoint state back to
 * operators after an upgrade, so they are a contract: never change one, and a test pins them all.
 */
public final class OperatorUids {

    public static final String SOURCE = "tidemark-source";

    private OperatorUids() {}

    public static String route(String sinkName) {
        return "tidemark-route-" + sinkName;
    }

    public static String sink(String sinkName) {
        return "tidemark-sink-" + sinkName;
    }
}
