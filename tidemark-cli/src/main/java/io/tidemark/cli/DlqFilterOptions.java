package io.tidemark.cli;

import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.event.TableId;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.Optional;

/** The entry filters that {@code dlq list}, {@code replay} and {@code purge} share, mixed into each. */
public final class DlqFilterOptions {

    @Option(names = "--table", paramLabel = "SCHEMA.TABLE", converter = TableName.class,
            description = "Only entries of this source table, written as in pipeline.yaml (\"Sales\".\"Order Items\").")
    String table;

    @Option(names = "--key", paramLabel = "KEY", description = "Only entries of the row with this primary key (as list shows it).")
    String key;

    @Option(names = "--from", paramLabel = "INSTANT", description = "Only entries that last failed at or after this time (ISO-8601, e.g. 2025-01-31T12:00:00Z).")
    Instant from;

    @Option(names = "--to", paramLabel = "INSTANT", description = "Only entries that last failed before this time (ISO-8601).")
    Instant to;

    @Option(names = "--error-class", paramLabel = "CLASS", description = "Only entries with this error class (a SQLSTATE such as 22001, or parked).")
    String errorClass;

    /** Whether any of the row filters is given (the sink alone does not count). */
    boolean any() {
        return table != null || key != null || from != null || to != null || errorClass != null;
    }

    /**
     * A table as {@code pipeline.yaml} writes it, in its normal written form: the queue stores the
     * source table so, and {@code "public"."orders"} must find {@code public.orders}.
     */
    static final class TableName implements CommandLine.ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return TableId.parseQualified(value).toString();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(value + " " + e.getMessage());
            }
        }
    }

    DeadLetterFilter filter(boolean includeReplayed) {
        return new DeadLetterFilter(Optional.empty(), Optional.ofNullable(table), Optional.ofNullable(key),
                Optional.ofNullable(errorClass), Optional.ofNullable(from), Optional.ofNullable(to), includeReplayed);
    }
}
