package io.tidemark.cli.snapshot;

import io.tidemark.cli.ExitCodes;
import io.tidemark.snapshot.CheckpointStatus;
import io.tidemark.snapshot.FailureStreak;
import io.tidemark.snapshot.JobFailure;
import io.tidemark.snapshot.JobObserver;
import io.tidemark.snapshot.JobSummary;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotService;

import org.apache.flink.api.common.JobID;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.Console;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tidemark checkpoint status JOB_ID}: what an on-call engineer checks first: is the job
 * checkpointing, when did the last checkpoint complete, what failed, what did the job restore from,
 * and does its configuration follow the spec (interval, timeout, min pause, retention). With {@code
 * --watch}, what the dashboard shows of a running job, refreshed in the terminal: the recent
 * checkpoints with their durations, alignment and sizes, sink lag, source backlog, dead letters.
 */
@Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = "Show a job's checkpoint counts, latest completed/failed checkpoint and savepoint, what it"
                + " restored from, and its checkpoint configuration; with --watch, refresh until Ctrl-C.")
public final class CheckpointStatusCommand extends JobCommand {

    /** Home and clear: a terminal redraws the frame in place. */
    private static final String CLEAR_SCREEN = "\u001b[H\u001b[2J";
    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);

    @Option(
            names = "--watch",
            description = "Refresh until Ctrl-C: the recent checkpoints (duration, alignment, start delay, size,"
                    + " processed data) with sparklines, lag and changes/s per sink table, backlog per source,"
                    + " dead letters pending. Ends with the job: exit 0 if it finished, 1 if it failed or was"
                    + " cancelled. With --output json, one JSON object per refresh.")
    boolean watch;

    @Option(
            names = "--interval",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "With --watch: the time between refreshes (default: 5s).")
    Duration interval;

    @Option(
            names = "--iterations",
            paramLabel = "N",
            hidden = true,
            description = "With --watch: stop after N refreshes (default 0: until Ctrl-C or the job ends).")
    Integer iterations;

    private int framesShown;

    @Override
    protected int execute() throws Exception {
        JobID id = job();
        if (!watch && (interval != null || iterations != null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval and --iterations go with --watch");
        }
        Duration every = interval == null ? DEFAULT_INTERVAL : interval;
        if (every.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be longer than 0, such as 5s");
        }
        if (iterations != null && iterations < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--iterations must be 0 (until Ctrl-C) or more");
        }
        try (SnapshotService service = cluster.connect()) {
            if (watch) {
                watch(service, id, every);
                return ExitCodes.OK;
            }
            JobSummary summary = service.job(id);
            CheckpointStatus status = service.checkpointStatus(id);
            // only a REST API serves the exception history; the operator target shows none
            List<JobFailure> failures = service instanceof JobObserver observer ? observer.failures(id) : null;
            if (json()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("jobId", id.toString());
                m.put("name", summary.name());
                m.put("state", summary.status().name());
                m.put("checkpoints", json(status));
                m.put("failures", json(failures));
                printJson(m);
            } else {
                print(summary, status);
                if (failures != null) {
                    out().println("failures:         " + failures(failures));
                }
            }
        }
        return ExitCodes.OK;
    }

    private void watch(SnapshotService service, JobID id, Duration every) throws Exception {
        if (!(service instanceof JobObserver observer)) {
            service.checkpointStatus(id); // a target without checkpoint statistics says why, naming the way out
            throw new SnapshotException(Reason.OPERATION_FAILED, "checkpoint status --watch needs the REST target (--rest-address)");
        }
        CheckpointWatchRenderer renderer = new CheckpointWatchRenderer(CheckpointWatchRenderer.Glyphs.of(outputCharset()));
        new CheckpointWatch(service, observer, id, every, iterations == null ? 0 : iterations).run(frame -> {
            if (json()) {
                printJson(json(frame));
                return;
            }
            PrintStream out = out();
            if (terminal().interactive()) {
                out.print(CLEAR_SCREEN);
            } else if (framesShown > 0) {
                out.println(); // piped: frame after frame, a blank line between
            }
            framesShown++;
            renderer.render(frame).forEach(out::println);
            out.flush();
        });
    }

    /**
     * The charset the output ends up in: the terminal's, else the locale's (Java 17's default for
     * {@code System.out}). {@link io.tidemark.cli.Terminal} does not carry one.
     */
    private static Charset outputCharset() {
        Console console = System.console();
        return console != null ? console.charset() : Charset.defaultCharset();
    }

    /** One refresh as one JSON object: the one-shot document, and the recent checkpoints and metrics. */
    private static Map<String, Object> json(CheckpointWatchFrame frame) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at", frame.at().toString());
        m.put("jobId", frame.job().id().toString());
        m.put("name", frame.job().name());
        m.put("state", frame.job().status().name());
        m.put("checkpoints", json(frame.status()));
        m.put("recentCheckpoints", frame.recent().stream().map(CheckpointWatch.CheckpointJson::of).toList());
        m.put("sinkTables", frame.sinkTables());
        m.put("sources", frame.sources());
        m.put("deadLettersPending", frame.deadLettersPending());
        return m;
    }

    private void print(JobSummary summary, CheckpointStatus s) {
        PrintStream out = out();
        out.println("job " + summary.id() + " (" + summary.name() + "): " + summary.status());
        CheckpointStatus.Counts c = s.counts();
        out.println("checkpoints: " + c.completed() + " completed, " + c.failed() + " failed, " + c.inProgress()
                + " in progress, " + c.restored() + " restored (" + c.triggered() + " triggered)");
        out.println("latest completed: " + completed(s.latestCompleted()));
        out.println("latest savepoint: " + completed(s.latestSavepoint()));
        out.println("latest failed:    " + (s.latestFailed() == null ? "none"
                : "#" + s.latestFailed().id() + " at " + s.latestFailed().failedAt() + ": " + s.latestFailed().message()));
        out.println("restored from:    " + (s.restored() == null ? "nothing (a fresh start)"
                : (s.restored().savepoint() ? "savepoint " : "checkpoint ") + "#" + s.restored().id() + " "
                        + s.restored().externalPath()));
        CheckpointStatus.Config k = s.config();
        out.println("configuration:    " + k.mode() + ", interval " + human(k.interval()) + ", timeout "
                + human(k.timeout()) + ", min pause " + human(k.minPause()) + ", max concurrent "
                + k.maxConcurrent() + ", externalized " + (!k.externalizationEnabled() ? "off"
                        : k.retainOnCancellation() ? "RETAIN_ON_CANCELLATION" : "DELETE_ON_CANCELLATION")
                + (k.checkpointStorage() == null ? "" : ", storage " + k.checkpointStorage())
                + (k.stateBackend() == null ? "" : ", state backend " + k.stateBackend()));
    }

    private static Map<String, Object> json(CheckpointStatus s) {
        Map<String, Object> m = new LinkedHashMap<>();
        CheckpointStatus.Counts c = s.counts();
        m.put("counts", Map.of("triggered", c.triggered(), "inProgress", c.inProgress(), "completed", c.completed(),
                "failed", c.failed(), "restored", c.restored()));
        m.put("latestCompleted", json(s.latestCompleted()));
        m.put("latestSavepoint", json(s.latestSavepoint()));
        Map<String, Object> failed = null;
        if (s.latestFailed() != null) {
            failed = new LinkedHashMap<>();
            failed.put("id", s.latestFailed().id());
            failed.put("failedAt", s.latestFailed().failedAt().toString());
            failed.put("message", s.latestFailed().message());
        }
        m.put("latestFailed", failed);
        Map<String, Object> restored = null;
        if (s.restored() != null) {
            restored = new LinkedHashMap<>();
            restored.put("id", s.restored().id());
            restored.put("restoredAt", s.restored().restoredAt().toString());
            restored.put("path", s.restored().externalPath());
            restored.put("savepoint", s.restored().savepoint());
        }
        m.put("restoredFrom", restored);
        CheckpointStatus.Config k = s.config();
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("mode", k.mode());
        config.put("intervalMillis", k.interval().toMillis());
        config.put("timeoutMillis", k.timeout().toMillis());
        config.put("minPauseMillis", k.minPause().toMillis());
        config.put("maxConcurrent", k.maxConcurrent());
        config.put("externalizationEnabled", k.externalizationEnabled());
        config.put("retainOnCancellation", k.retainOnCancellation());
        config.put("checkpointStorage", k.checkpointStorage());
        config.put("stateBackend", k.stateBackend());
        m.put("configuration", config);
        return m;
    }

    /** The failures Flink still records, the last one's root cause, and how often in a row that cause came. */
    static String failures(List<JobFailure> failures) {
        if (failures.isEmpty()) {
            return "none recorded";
        }
        JobFailure last = failures.get(failures.size() - 1);
        int inARow = FailureStreak.atTheEnd(failures);
        return failures.size() + " recorded; last at " + last.time() + ": " + last.describe()
                + (inARow > 1 ? " (the same cause " + inARow + " times in a row)" : "");
    }

    private static Map<String, Object> json(List<JobFailure> failures) {
        if (failures == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("recorded", failures.size());
        if (!failures.isEmpty()) {
            JobFailure last = failures.get(failures.size() - 1);
            Map<String, Object> l = new LinkedHashMap<>();
            l.put("at", last.time().toString());
            l.put("cause", last.cause());
            l.put("task", last.task());
            m.put("last", l);
            m.put("sameCauseInARow", FailureStreak.atTheEnd(failures));
        }
        return m;
    }

    private static Map<String, Object> json(CheckpointStatus.Completed c) {
        if (c == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("completedAt", c.completedAt().toString());
        m.put("path", c.externalPath());
        m.put("stateSizeBytes", c.stateSizeBytes());
        m.put("durationMillis", c.duration().toMillis());
        return m;
    }

    private static String completed(CheckpointStatus.Completed c) {
        return c == null ? "none" : "#" + c.id() + " at " + c.completedAt() + ", " + bytes(c.stateSizeBytes()) + ", took "
                + c.duration().toMillis() + " ms" + (c.externalPath() == null ? "" : ", " + c.externalPath());
    }

    /** Whole seconds as {@code 30s}, anything finer as {@code 200ms} (a sub-second min pause is not 0s). */
    static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
