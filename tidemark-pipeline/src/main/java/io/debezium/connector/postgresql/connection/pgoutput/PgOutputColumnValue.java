package io.debezium.connector.postgresql.connection.pgoutput;

import io.tidemark.pipeline.source.postgres.PostgresTextValue;

/**
 * Replaces Debezium 1.9's class of the same name (which Flink CDC 3.5 ships): its decoder of a
 * pgoutput column value reads a numeric {@code NaN} but fails on {@code Infinity} and
 * {@code -Infinity} (PostgreSQL 14+), which stops the stream at the first change of such a row,
 * for good. Tidemark's text decoding, shared with its snapshot reader, reads all three.
 *
 * <p>It lives in Debezium's package because Debezium's pgoutput decoder creates it by name; the
 * job jar leaves the connector's own copy out, and {@code ./tidemark} puts tidemark-pipeline ahead
 * of the connector on the class path. {@code PostgresValuesITCase} streams the values it reads.
 */
class PgOutputColumnValue extends PostgresTextValue {

    PgOutputColumnValue(String value) {
        super(value);
    }
}
