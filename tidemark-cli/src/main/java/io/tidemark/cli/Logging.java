package io.tidemark.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * Sends the logs of Flink, Flink CDC, Debezium, the JDBC driver and embedded PostgreSQL to a file, so
 * that the terminal shows only what the command itself prints. The file is named by the system
 * property {@value #LOG_FILE_PROPERTY}, which {@code log4j2.xml} reads.
 */
public final class Logging {

    public static final String LOG_FILE_PROPERTY = "tidemark.log.file";

    private Logging() {}

    /** Re-reads the log4j configuration with {@code file} as the log file, and routes java.util.logging there too. */
    public static void toFile(Path file) {
        System.setProperty(LOG_FILE_PROPERTY, file.toAbsolutePath().toString());
        if (LogManager.getContext(false) instanceof LoggerContext context) {
            context.reconfigure();
        }
        routeJavaUtilLogging();
    }

    /** The PostgreSQL JDBC driver logs through java.util.logging, whose default handler writes to stderr. */
    private static void routeJavaUtilLogging() {
        java.util.logging.LogManager.getLogManager().reset();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(Level.INFO);
        root.addHandler(new ToSlf4j());
    }

    /** Hands java.util.logging records to SLF4J. */
    private static final class ToSlf4j extends Handler {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "jul" : record.getLoggerName());
            String message = formatter.formatMessage(record);
            int level = record.getLevel().intValue();
            if (level >= Level.SEVERE.intValue()) {
                logger.error(message, record.getThrown());
            } else if (level >= Level.WARNING.intValue()) {
                logger.warn(message, record.getThrown());
            } else if (level >= Level.INFO.intValue()) {
                logger.info(message, record.getThrown());
            } else {
                logger.debug(message, record.getThrown());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }
}
