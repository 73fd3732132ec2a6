package org.apache.flink.cdc.connectors.mysql.source;

import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfig;
import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfigFactory;
import org.apache.flink.cdc.connectors.mysql.source.metrics.MySqlSourceReaderMetrics;
import org.apache.flink.cdc.connectors.mysql.source.reader.MySqlRecordEmitter;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;

import java.io.Serializable;

/**
 * Builds Flink CDC's {@link MySqlSource} with a record emitter of Tidemark's choice. The source
 * takes one only through a package-private constructor, which is why this class lives in Flink
 * CDC's package, as Flink CDC's own pipeline connector does. The class must therefore be loaded by
 * the same class loader as the connector: ship both in the job jar, not the connector in Flink's
 * {@code lib/}.
 */
public final class MySqlSourceWithEmitter {

    /** Creates the emitter of one source reader. */
    public interface EmitterFactory<T> extends Serializable {
        MySqlRecordEmitter<T> create(MySqlSourceReaderMetrics metrics, MySqlSourceConfig config);
    }

    private MySqlSourceWithEmitter() {}

    public static <T> MySqlSource<T> create(
            MySqlSourceConfigFactory configFactory,
            DebeziumDeserializationSchema<T> deserializer,
            EmitterFactory<T> emitters) {
        return new MySqlSource<>(configFactory, deserializer, emitters::create);
    }
}
