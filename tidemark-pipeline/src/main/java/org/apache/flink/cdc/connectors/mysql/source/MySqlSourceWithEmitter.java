package org.apache.flink.cdc.connectors.mysql.source;

import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfig;
import org.apache.flink.cdc.connectors.mysql.source.config.MySqlSourceConfigFactory;
import org.apache.flink.cdc.connectors.mysql.source.metrics.MySqlSourceReaderMetrics;
import org.apache.flink.cdc.connectors.mysql.source.reader.MySqlRecordEmitter;
import org.apache.flink.cdc.connectors.mysql.source.split.MySqlSplit;
import org.apache.flink.cdc.debezium.DebeziumDeserializationSchema;

import java.io.Serializable;

/**
 * Builds Flink CDC's {@link MySqlSource} with a record emitter of Tidemark's choice, and with each
 * reader passed through a {@link ReaderDecorator} (which sees its checkpoints). The source
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

    /** Wraps each reader the source creates. */
    public interface ReaderDecorator<T> extends Serializable {
        SourceReader<T, MySqlSplit> decorate(SourceReader<T, MySqlSplit> reader, SourceReaderContext context);
    }

    private MySqlSourceWithEmitter() {}

    public static <T> MySqlSource<T> create(
            MySqlSourceConfigFactory configFactory,
            DebeziumDeserializationSchema<T> deserializer,
            EmitterFactory<T> emitters,
            ReaderDecorator<T> readers) {
        return new DecoratedMySqlSource<>(configFactory, deserializer, emitters, readers);
    }

    /** The source whose readers pass through a decorator. */
    private static final class DecoratedMySqlSource<T> extends MySqlSource<T> {

        private static final long serialVersionUID = 1L;

        private final ReaderDecorator<T> readers;

        DecoratedMySqlSource(
                MySqlSourceConfigFactory configFactory,
                DebeziumDeserializationSchema<T> deserializer,
                EmitterFactory<T> emitters,
                ReaderDecorator<T> readers) {
            super(configFactory, deserializer, emitters::create);
            this.readers = readers;
        }

        @Override
        public SourceReader<T, MySqlSplit> createReader(SourceReaderContext readerContext) throws Exception {
            return readers.decorate(super.createReader(readerContext), readerContext);
        }
    }
}
