package io.tidemark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.tidemark.kubernetes.monitoring.MonitoringQueries;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input campaign: hundreds of generated malformed pipeline files, command lines, Kubernetes
 * manifests and snapshot paths, each run through {@code tidemark} in this JVM. Every run must end
 * with a non-zero exit code and one {@code tidemark: } line per problem on stderr (or succeed, where
 * a mutation happened to leave the input valid), never a stack trace, never a secret of the
 * configuration in any output, never a line longer than a reader can take in, and nothing written
 * outside the files the test made. Inputs are generated from one seed, so a failure names the case
 * that reproduces it.
 */
class BadInputCampaignTest {

    private static final long SEED = 20261207L;
    /** Literal passwords in every generated pipeline file: no output may contain them. */
    private static final String SOURCE_SECRET = "src-Campaign-9f3a7Q";
    private static final String SINK_SECRET = "sink-Campaign-41bZx8";
    private static final List<String> SECRETS = List.of(SOURCE_SECRET, SINK_SECRET);
    /** No cluster, no database: connections to it are refused at once. */
    private static final String CLOSED = "127.0.0.1:1";
    private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w$.]+\\(|^Caused by: |^Exception in thread");
    private static final Pattern RAW_EXCEPTION = Pattern.compile("(?m)^(java|javax|org|io|com)\\.[\\w.$]+(Exception|Error)(:|$)");
    private static final int LONGEST_LINE = 1_000;
    private static final YAMLMapper YAML = new YAMLMapper();

    private static final String PIPELINE = """
            pipeline:
              name: campaign
              parallelism: 2
            source:
              type: postgres
              hostname: 127.0.0.1
              port: 1
              database: shop
              username: tidemark
              password: %s
              tables: [public.orders, public.customers]
              slot-name: tidemark_campaign
              snapshot-chunk-size: 8096
              startup-mode: initial
              truncate: apply
            sinks:
              - name: warehouse
                type: jdbc
                url: jdbc:postgresql://127.0.0.1:1/warehouse
                username: tidemark
                password: %s
                batch-size: 5000
                flush-interval: 200ms
                flush-threads: 2
                tombstone-retention: 7d
                max-retries: 3
                apply-order: keyed
              - name: cache
                type: redis
                uri: redis://127.0.0.1:1
                key-prefix: shop
            routes:
              - source-table: public.orders
                sink: warehouse
                sink-table: public.orders
              - source-table: public.customers
                sink: warehouse
              - source-table: public.orders
                sink: cache
            dead-letter-queue:
              url: jdbc:postgresql://127.0.0.1:1/dlq
              username: tidemark
              password: %s
              max-attempts: 3
              after-rejection: park
            checkpointing:
              interval: 60s
              timeout: 120s
              min-pause: 30s
              externalized-retention: RETAIN_ON_CANCELLATION
              checkpoints-dir: file:///tmp/tidemark-campaign/checkpoints
              savepoints-dir: file:///tmp/tidemark-campaign/savepoints
            """.formatted(SOURCE_SECRET, SINK_SECRET, SINK_SECRET);

    @TempDir
    static Path dir;

    private static Path validPipeline;
    private static final Random RANDOM = new Random(SEED);
    private static final List<String> findings = new ArrayList<>();
    private static int cases;
    private static int refused;

    @org.junit.jupiter.api.BeforeEach
    void forgetFindings() {
        findings.clear();
    }

    @BeforeAll
    static void writeValidPipeline() throws IOException {
        validPipeline = Files.writeString(dir.resolve("valid.yaml"), PIPELINE);
        CliRun valid = CliRun.of("config", "check", validPipeline.toString());
        assertThat(valid.exitCode()).as("the campaign's base file is valid: %s", valid).isZero();
    }

    @Test
    void malformedPipelineFilesAreRefusedInOneLinePerProblem() throws Exception {
        JsonNode base = YAML.readTree(PIPELINE);
        List<List<Object>> leaves = new ArrayList<>();
        BadInputs.collectPaths(base, new ArrayList<>(), leaves);
        int before = cases;
        // every leaf removed, and every leaf given each kind of wrong value
        for (List<Object> path : leaves) {
            runPipeline("remove " + path, BadInputs.removed(base, path));
        }
        for (List<Object> path : leaves) {
            for (int i = 0; i < 3; i++) {
                JsonNode junk = BadInputs.junkValue(RANDOM);
                runPipeline("set " + path + " = " + shorten(junk.toString()), BadInputs.replaced(base, path, junk));
            }
        }
        // unknown keys, whole sections of the wrong shape
        for (String section : List.of("pipeline", "source", "sinks", "routes", "dead-letter-queue", "checkpointing")) {
            runPipeline("section " + section + " = scalar", BadInputs.replaced(base, List.of(section), JsonNodeFactory.instance.textNode("x")));
            runPipeline("section " + section + " = list", BadInputs.replaced(base, List.of(section),
                    JsonNodeFactory.instance.arrayNode().add(1).add("two")));
            ObjectNode typo = base.deepCopy();
            JsonNode moved = typo.remove(section);
            typo.set(section + "s-typo", moved);
            runPipeline("section " + section + " misspelt", YAML.writeValueAsString(typo));
        }
        // text damage: truncated, bytes flipped, tabs, binary junk, empty
        byte[] bytes = PIPELINE.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 40; i++) {
            int cut = 1 + RANDOM.nextInt(bytes.length - 1);
            runPipelineBytes("truncated at " + cut, java.util.Arrays.copyOf(bytes, cut));
        }
        for (int i = 0; i < 30; i++) {
            byte[] flipped = bytes.clone();
            for (int k = 0; k < 1 + RANDOM.nextInt(5); k++) {
                flipped[RANDOM.nextInt(flipped.length)] = (byte) RANDOM.nextInt(256);
            }
            runPipelineBytes("bytes flipped #" + i, flipped);
        }
        for (int i = 0; i < 10; i++) {
            byte[] junk = new byte[1 + RANDOM.nextInt(4096)];
            RANDOM.nextBytes(junk);
            runPipelineBytes("binary junk #" + i, junk);
        }
        runPipelineBytes("empty", new byte[0]);
        runPipeline("tabs for indentation", PIPELINE.replace("  ", "\t"));
        runPipeline("a YAML bomb", "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                + "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                + "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n");
        runPipeline("a document of 20 MB", "pipeline:\n  name: " + "x".repeat(20_000_000) + "\n");
        // paths that are not pipeline files
        check("config check: a directory", CliRun.of("config", "check", dir.toString()), true);
        check("config check: no such file", CliRun.of("config", "check", dir.resolve("nope.yaml").toString()), true);
        assertThat(cases - before).isGreaterThanOrEqualTo(250);
        assertNoFindings();
    }

    @Test
    void junkCommandLinesEndInOneLineAndAnExitCode() throws Exception {
        CommandSpec root = Main.commandLine(new Terminal(new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(new ByteArrayOutputStream()), false)).getCommandSpec();
        List<CommandSpec> commands = new ArrayList<>();
        collectCommands(root, commands);
        int before = cases;
        for (CommandSpec command : commands) {
            for (int i = 0; i < 6; i++) {
                List<String> args = new ArrayList<>(List.of(command.qualifiedName(" ").split(" ")));
                args.remove(0); // the program name
                List<OptionSpec> options = new ArrayList<>(command.options());
                // --verbose prints the stack trace on purpose (ConfigCheckCommandTest)
                options.removeIf(o -> o.usageHelp() || o.versionHelp() || o.hidden() || o.longestName().equals("--verbose"));
                int picked = options.isEmpty() ? 0 : RANDOM.nextInt(Math.min(4, options.size()) + 1);
                for (int k = 0; k < picked; k++) {
                    OptionSpec option = options.get(RANDOM.nextInt(options.size()));
                    args.add(option.longestName());
                    if (option.arity().max() > 0) {
                        args.add(BadInputs.junkArgument(RANDOM, dir));
                    }
                }
                // no cluster to reach, ever; and sometimes a stray positional or unknown option
                if (command.findOption("--rest-address") != null) {
                    args.addAll(List.of("--rest-address", "http://" + CLOSED));
                }
                switch (RANDOM.nextInt(4)) {
                    case 0 -> args.add(BadInputs.junkText(RANDOM));
                    case 1 -> args.add("--no-such-option");
                    default -> { }
                }
                runCommand(String.join(" ", args.stream().map(BadInputCampaignTest::shorten).toList()),
                        args.toArray(String[]::new));
            }
        }
        assertThat(cases - before).isGreaterThanOrEqualTo(100);
        assertNoFindings();
    }

    @Test
    void malformedManifestsAreRefused() throws Exception {
        Path base = MonitoringQueries.repositoryRoot().resolve("deploy/kubernetes/base/flinkdeployment.yaml");
        JsonNode manifest = YAML.readTree(base.toFile());
        List<List<Object>> leaves = new ArrayList<>();
        BadInputs.collectPaths(manifest, new ArrayList<>(), leaves);
        int before = cases;
        for (int i = 0; i < 40; i++) {
            List<Object> path = leaves.get(RANDOM.nextInt(leaves.size()));
            String text = RANDOM.nextBoolean() ? BadInputs.removed(manifest, path) : BadInputs.replaced(manifest, path, BadInputs.junkValue(RANDOM));
            Path file = Files.writeString(dir.resolve("manifest-" + i + ".yaml"), text);
            check("manifest " + path, CliRun.of("manifest", "check", file.toString()), false);
        }
        byte[] bytes = Files.readAllBytes(base);
        for (int i = 0; i < 20; i++) {
            Path file = Files.write(dir.resolve("manifest-cut-" + i + ".yaml"),
                    java.util.Arrays.copyOf(bytes, 1 + RANDOM.nextInt(bytes.length - 1)));
            check("manifest truncated #" + i, CliRun.of("manifest", "check", file.toString()), false);
        }
        byte[] junk = new byte[2048];
        RANDOM.nextBytes(junk);
        check("manifest of binary junk", CliRun.of("manifest", "check", Files.write(dir.resolve("m.bin"), junk).toString()), true);
        assertThat(cases - before).isGreaterThanOrEqualTo(60);
        assertNoFindings();
    }

    @Test
    void snapshotPathsThatAreNotSnapshotsAreRefused() throws Exception {
        List<Path> paths = new ArrayList<>();
        paths.add(dir.resolve("no-such-savepoint"));
        paths.add(validPipeline); // a file, not a directory
        paths.add(Files.createDirectories(dir.resolve("empty-savepoint")));
        for (int i = 0; i < 20; i++) {
            Path savepoint = Files.createDirectories(dir.resolve("savepoint-junk-" + i));
            byte[] metadata = new byte[RANDOM.nextInt(i < 5 ? 8 : 4096)];
            RANDOM.nextBytes(metadata);
            if (i >= 10 && metadata.length >= 8) {
                // Flink's metadata magic number and a version, then junk: parsing gets further before it fails
                java.nio.ByteBuffer.wrap(metadata).putInt(0x4960672d).putInt(RANDOM.nextInt(5));
            }
            Files.write(savepoint.resolve("_metadata"), metadata);
            paths.add(savepoint);
        }
        int before = cases;
        for (Path path : paths) {
            String uri = path.toUri().toString();
            check("restore " + path.getFileName(), CliRun.of("restore", uri, "--config", validPipeline.toString(),
                    "--rest-address", "http://" + CLOSED), true);
            check("upgrade check " + path.getFileName(), CliRun.of("upgrade", "check", "--savepoint", uri,
                    "--config", validPipeline.toString(), "--current-config", validPipeline.toString()), true);
            check("savepoint list " + path.getFileName(), CliRun.of("savepoint", "list", "--dir", uri), false);
        }
        for (String junk : List.of("", " ", "not a uri ::", "hdfs:///nothing", "file:", "\u0000", "x".repeat(300))) {
            check("restore '" + shorten(junk) + "'", CliRun.of("restore", junk, "--config", validPipeline.toString(),
                    "--rest-address", "http://" + CLOSED), true);
        }
        assertThat(cases - before).isGreaterThanOrEqualTo(60);
        assertNoFindings();
    }

    // ---------------------------------------------------------------------------------------------

    private void runPipeline(String name, String yaml) throws Exception {
        runPipelineBytes(name, yaml.getBytes(StandardCharsets.UTF_8));
    }

    private void runPipelineBytes(String name, byte[] content) throws Exception {
        Path file = Files.write(dir.resolve("pipeline-" + cases + ".yaml"), content);
        check("config check: " + name, timed(() -> CliRun.of("config", "check", file.toString())), false);
        if (cases % 7 == 0) {
            // the same file through a command that would go on to connect: refused before, or unreachable
            check("reconcile: " + name, timed(() -> CliRun.of("reconcile", file.toString())), false);
        }
    }

    private void runCommand(String name, String... args) throws Exception {
        check(name, timed(() -> CliRun.of(args)), false);
    }

    private static CliRun timed(java.util.concurrent.Callable<CliRun> run) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<CliRun> future = executor.submit(run);
            try {
                return future.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                future.cancel(true);
                return new CliRun(-1, "", "did not end within 60 s");
            }
        } finally {
            executor.shutdownNow();
        }
    }

    /** Records what is wrong with one run; {@code mustFail}: exit 0 is wrong too. */
    private static void check(String name, CliRun run, boolean mustFail) {
        cases++;
        List<String> problems = new ArrayList<>();
        String all = run.out() + run.err();
        if (run.exitCode() < 0) {
            problems.add("hangs");
        } else if (run.exitCode() == 0) {
            if (mustFail) {
                problems.add("exit 0");
            }
        } else {
            refused++;
            boolean report = name.startsWith("manifest") && run.out().contains(": ERROR ");
            if (run.errLines().isEmpty() && !report) { // a checker's report (file:line: ERROR ...) is its output
                problems.add("exit " + run.exitCode() + " without a line on stderr");
            }
            for (String line : run.errLines()) {
                if (!line.startsWith("tidemark: ") && !line.startsWith("Usage:") && !line.isBlank()
                        && !line.startsWith(" ") && !line.startsWith("Try ")) {
                    problems.add("stderr line not 'tidemark: ...': " + shorten(line));
                    break;
                }
            }
        }
        if (STACK_FRAME.matcher(all).find() || RAW_EXCEPTION.matcher(all).find()) {
            problems.add("stack trace or raw exception");
        }
        for (String secret : SECRETS) {
            if (all.contains(secret)) {
                problems.add("prints a secret");
            }
        }
        for (String line : run.errLines()) {
            if (line.length() > LONGEST_LINE) {
                problems.add("a stderr line of " + line.length() + " characters");
                break;
            }
        }
        if (!problems.isEmpty()) {
            findings.add(name + ": " + problems + "\n" + shorten(run.toString(), 1500));
        }
    }

    private static void assertNoFindings() throws IOException {
        Set<String> written = new TreeSet<>();
        try (Stream<Path> files = Files.walk(dir)) {
            files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().matches("(pipeline|manifest)-.*|valid\\.yaml|m\\.bin|_metadata"))
                    .forEach(f -> written.add(dir.relativize(f).toString()));
        }
        assertThat(written).as("files the commands wrote").isEmpty();
        assertThat(findings).as("%d cases, %d refused; findings", cases, refused).isEmpty();
    }

    private static void collectCommands(CommandSpec spec, List<CommandSpec> out) {
        if (spec.subcommands().isEmpty()) {
            if (!Set.of("demo").contains(spec.name())) { // the demo starts a whole local stack
                out.add(spec);
            }
            return;
        }
        for (CommandLine sub : new java.util.LinkedHashSet<>(spec.subcommands().values())) {
            collectCommands(sub.getCommandSpec(), out);
        }
    }

    private static String shorten(String s) {
        return shorten(s, 120);
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…(" + s.length() + " chars)";
    }
}
