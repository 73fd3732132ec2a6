package io.tidemark.cli.demo;

import io.tidemark.pipeline.config.JdbcSinkDef;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.dlq.DeadLetter;
import io.tidemark.pipeline.dlq.DeadLetterFilter;
import io.tidemark.pipeline.dlq.DeadLetterQueue;
import io.tidemark.pipeline.dlq.DeadLetterQueues;
import io.tidemark.pipeline.dlq.ReplaySummary;
import io.tidemark.pipeline.dlq.StoredDeadLetter;
import io.tidemark.pipeline.sink.jdbc.writer.DeadLetterReplayer;

import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The demo's poison: the sink's {@code customers} table has one constraint more than the source's,
 * a cap on the credit limit that the workload never reaches ({@link #CONSTRAIN_SINK}). A few customers
 * inserted in the source above the cap are rejected by the JDBC sink and go to its dead-letter queue
 * (Redis takes them). The demo shows the queue, drops the constraint ({@link #FIX}) and replays the
 * queue, after which the sink must equal the source again.
 */
final class DemoDeadLetters {

    static final String CONSTRAINT = "credit_limit_cap";
    /** On the sink only. The workload's credit limits stay below 20,000. */
    static final String CONSTRAIN_SINK =
            "ALTER TABLE public.customers ADD CONSTRAINT " + CONSTRAINT + " CHECK (credit_limit < 100000)";
    /** Fixing the cause: the sink takes what the source takes. */
    static final String FIX = "ALTER TABLE public.customers DROP CONSTRAINT " + CONSTRAINT;

    /** Ids far above what the workload uses: the workload never changes these rows again. */
    private static final long[] POISON_IDS = {900_001, 900_002, 900_003, 900_004};
    private static final String[] POISON_NAMES = {"Ada Rothschild", "Kenji Vanderbilt", "Amara Medici", "Søren Fugger"};
    private static final String[] POISON_LIMITS = {"250000.00", "1000000.00", "120000.00", "500000.00"};

    private static final String INSERT =
            "INSERT INTO customers (id, name, email, country, credit_limit, active, tags, created_at, updated_at)"
                    + " VALUES (?, ?, ?, 'CH', ?, true, '{\"tier\": \"private\"}'::jsonb, now(), now())";

    private static final int MESSAGE_WIDTH = 80;
    private static final String FORMAT = "%-4s %-17s %-8s %-7s %-6s %s";

    private DemoDeadLetters() {}

    /** How many poison changes {@link #inject} makes. */
    static int count() {
        return POISON_IDS.length;
    }

    /** Adds the sink's extra constraint. */
    static void constrainSink(Connection sink) throws SQLException {
        try (Statement st = sink.createStatement()) {
            st.execute(CONSTRAIN_SINK);
        }
    }

    /** Inserts the poison customers into the source, one transaction each; returns their ids. */
    static List<Long> inject(Connection source) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (PreparedStatement insert = source.prepareStatement(INSERT)) {
            for (int i = 0; i < POISON_IDS.length; i++) {
                insert.setLong(1, POISON_IDS[i]);
                insert.setString(2, POISON_NAMES[i]);
                insert.setString(3, "private-client." + POISON_IDS[i] + "@example.com");
                insert.setBigDecimal(4, new BigDecimal(POISON_LIMITS[i]));
                insert.executeUpdate();
                ids.add(POISON_IDS[i]);
            }
        }
        return ids;
    }

    /** The JDBC sink of the demo's pipeline. */
    static JdbcSinkDef jdbcSink(PipelineDef def) {
        return def.sinks().stream()
                .filter(JdbcSinkDef.class::isInstance).map(JdbcSinkDef.class::cast).findFirst().orElseThrow();
    }

    /** The sink's pending entries, in source-position order. */
    static List<StoredDeadLetter> pending(PipelineDef def, JdbcSinkDef sink) throws IOException {
        try (DeadLetterQueue queue = DeadLetterQueues.forJdbcSink(def.deadLetterQueue(), sink).orElseThrow().open()) {
            return queue.list(def.name(), DeadLetterFilter.pending().withSink(sink.name()));
        }
    }

    /** Replays the sink's pending entries, as {@code tidemark dlq replay} does. */
    static ReplaySummary replay(PipelineDef def, JdbcSinkDef sink) throws IOException, InterruptedException {
        try (DeadLetterReplayer replayer = DeadLetterReplayer.of(def, sink)) {
            return replayer.replay(DeadLetterFilter.pending().withSink(sink.name()));
        }
    }

    /** The fix, run on the sink. */
    static void fix(Connection sink) throws SQLException {
        try (Statement st = sink.createStatement()) {
            st.execute(FIX);
        }
    }

    /** The entries as a table: a header and one line per entry, the error message shortened. */
    static List<String> render(List<StoredDeadLetter> entries) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, FORMAT, "ID", "TABLE", "KEY", "OP", "ERROR", "MESSAGE"));
        for (StoredDeadLetter entry : entries) {
            DeadLetter letter = entry.letter();
            lines.add(String.format(Locale.ROOT, FORMAT, entry.id(), letter.event().table(), letter.rowKey(),
                    letter.event().operation(), letter.errorClass(), shorten(letter.errorMessage())));
        }
        return lines;
    }

    /** The summary's counts, as {@code tidemark dlq replay} prints them. */
    static String counts(ReplaySummary.Counts c) {
        return c.applied() + " applied, " + c.skipped() + " skipped, " + c.stillRejected() + " still rejected, "
                + c.blocked() + " blocked";
    }

    /**
     * The first line of the server's message without its {@code ERROR: } prefix (the detail lines
     * after it name the row's values), at most {@value #MESSAGE_WIDTH} characters.
     */
    static String shorten(String message) {
        if (message == null) {
            return "";
        }
        String text = message;
        int error = text.indexOf("ERROR: ");
        if (error >= 0) {
            text = text.substring(error + "ERROR: ".length());
        }
        String first = text.strip().lines().findFirst().orElse("");
        int call = first.indexOf("  Call getNextException");
        if (call >= 0) {
            first = first.substring(0, call);
        }
        first = first.strip();
        return first.length() <= MESSAGE_WIDTH ? first : first.substring(0, MESSAGE_WIDTH - 3) + "...";
    }
}
