package io.tidemark.cli;

import io.tidemark.cli.SecretScanPipelines.Base;
import io.tidemark.cli.SecretScanPipelines.Form;
import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static io.tidemark.cli.SecretScanPipelines.CLOSED_REST;
import static io.tidemark.cli.SecretScanPipelines.NUMERIC;
import static io.tidemark.cli.SecretScanPipelines.SECRETS;
import static io.tidemark.cli.SecretScanPipelines.brokenFileMutations;
import static io.tidemark.cli.SecretScanPipelines.collectPipelineReaders;
import static io.tidemark.cli.SecretScanPipelines.commandsReading;
import static io.tidemark.cli.SecretScanPipelines.envName;
import static io.tidemark.cli.SecretScanPipelines.fill;
import static io.tidemark.cli.SecretScanPipelines.kafkaQueueMutations;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The secret scan: pipeline files whose passwords are distinctive values — the source's, the JDBC
 * sink's, the Redis sink's, the JDBC dead-letter queue's and the Kafka dead-letter queue's SASL
 * password, each as a literal, a {@code ${file:...}} and a {@code ${env:...}} secret — go through
 * every command that reads a pipeline file, valid and broken (wrong values next to the secret, YAML
 * errors on the secret's own line, the secret pasted into a URL that validation refuses), with every
 * host on a closed loopback port so that the commands that connect fail at once. Kubernetes
 * manifests with S3 keys and passwords written into them go through {@code manifest check}. No
 * value of a secret may appear in stdout, stderr, the process's own streams (log4j's warning
 * appender), the log files the CLI writes (log4j configured as in production: {@code log4j2.xml}),
 * an exception's message or stack trace, the execution plan, the job graph's JSON plan or
 * configuration, or anything the commands write.
 *
 * <p>What Tidemark promises about the job graph (docs/configuration.md, "Secrets"): a
 * {@code ${env:...}} or {@code ${file:...}} secret is a reference, resolved only where the job
 * connects, so its value is in no byte of the job graph. A literal password has no other way to the
 * operators than inside the job graph: it is in the serialized operators (which the JobManager
 * keeps, in its HA store too), which is why a literal is "accepted for local use only" and warned
 * about when the file is loaded. Even a literal is never in the execution plan, the job graph's JSON
 * plan (the Web UI and REST API), the job's configuration, a message or {@code toString()}; the
 * test finds each literal in the serialized operators, which shows that the byte search would find a
 * reference's value if one were resolved too early.
 *
 * <p>{@code ${env:...}} secrets are resolved in child JVMs given those variables (this JVM's
 * environment cannot be set), running the same commands and {@link PipelineJobMain}.
 *
 * <p>The pipeline files and commands are in {@link SecretScanPipelines}, the searches in
 * {@link SecretScanner}. A job that runs against real servers is scanned by
 * {@link RunningJobSecretScanITCase}.
 */
class SecretScanTest {

    /** Every secret, and the numeric password: none may appear anywhere the scan looks. */
    private static final SecretScanner SCANNER = new SecretScanner(allSecrets());

    @TempDir
    static Path dir;

    private static final List<String> slow = new ArrayList<>();
    private static final Map<String, Integer> casesByKind = new LinkedHashMap<>();
    private static final Set<Path> runDirsBefore = new TreeSet<>();
    private static SecretScanner.LogCapture capture;
    private static Path savepoint;

    @BeforeAll
    static void setUp() throws Exception {
        Path secrets = Files.createDirectories(dir.resolve("secrets"));
        for (Map.Entry<String, String> secret : SECRETS.entrySet()) {
            Files.writeString(secrets.resolve(secret.getKey()), secret.getValue() + "\n");
        }
        savepoint = Files.createDirectories(dir.resolve("savepoints/savepoint-000000-0123456789ab"));
        Files.write(savepoint.resolve("_metadata"), new byte[] {0x49, 0x60, 0x67, 0x2d, 0, 0, 0, 4, 1, 2, 3});
        try (Stream<Path> tmp = Files.list(tmpDir())) {
            tmp.filter(p -> p.getFileName().toString().startsWith("tidemark-run-")).forEach(runDirsBefore::add);
        }
        // Whatever this process prints outside the captured CliRun streams is scanned too, and it logs
        // with the CLI's production logging (log4j2.xml), not the test configuration on the class path.
        capture = SecretScanner.LogCapture.start(Files.createDirectories(dir.resolve("logs")).resolve("tidemark-cli.log"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        capture.close();
        for (Path runDir : newRunDirs()) {
            try (Stream<Path> files = Files.walk(runDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.out.println("SecretScanTest cases: " + casesByKind);
        System.out.println("SecretScanTest slow runs: " + String.join("\n  ", slow));
    }

    @BeforeEach
    void forgetLeaks() {
        SCANNER.clear();
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void everyCommandThatReadsAPipelineFileKeepsItsSecrets() throws Exception {
        for (Base base : Base.values()) {
            for (Form form : Form.values()) {
                Path file = write(base, form, base.template, base + "-" + form);
                for (List<String> args : commandsReading(file, base, savepoint)) {
                    if (form == Form.ENV && args.contains("--verbose")) {
                        continue; // unset here, the variables fail plainly; the child JVM resolves them
                    }
                    boolean kafkaQueue = base == Base.MYSQL && args.get(0).equals("dlq");
                    CliRun run = cli(args, kafkaQueue ? 2 : 30);
                    count("valid file × command");
                    // a usage error would mean the scan never reached the command's work
                    if (run.exitCode() == ExitCodes.USAGE && !run.err().contains("needs a PostgreSQL source")) {
                        SCANNER.report("usage error, fix the test's command line: " + args + "\n" + run);
                    }
                    SCANNER.scanRun(base + "/" + form + ": " + String.join(" ", args), run);
                }
                SCANNER.scanException(base + "/" + form + ": PipelineJobMain", () -> {
                    PipelineJobMain.main(new String[] {"--config", file.toString()});
                    return null;
                });
                count("PipelineJobMain");
            }
        }
        assertNoLeaks();
    }

    @Test
    void brokenPipelineFilesAreRefusedWithoutTheirSecrets() throws Exception {
        Map<String, UnaryOperator<String>> mutations = brokenFileMutations();
        Map<String, UnaryOperator<String>> kafka = kafkaQueueMutations();
        int n = 0;
        for (Base base : Base.values()) {
            Map<String, UnaryOperator<String>> all = new LinkedHashMap<>(mutations);
            if (base == Base.MYSQL) {
                all.putAll(kafka);
            }
            for (Form form : List.of(Form.LITERAL, Form.FILE)) {
                for (Map.Entry<String, UnaryOperator<String>> mutation : all.entrySet()) {
                    String text = fill(base.template, form, dir);
                    String broken = mutation.getValue().apply(text);
                    if (broken.equals(text)) {
                        continue; // the mutation is about a literal the other form does not have
                    }
                    Path file = Files.writeString(dir.resolve("broken-" + n++ + ".yaml"), broken);
                    String name = base + "/" + form + " " + mutation.getKey();
                    for (List<String> args : List.of(
                            List.of("config", "check", file.toString()),
                            List.of("config", "check", "--verbose", "--output", "json", file.toString()),
                            List.of("reconcile", "--verbose", file.toString()),
                            List.of("dlq", "list", "--verbose", file.toString()),
                            List.of("run", file.toString()))) {
                        if (base == Base.MYSQL && args.get(0).equals("dlq") && !kafka.containsKey(mutation.getKey())) {
                            continue; // the Kafka queue's client waits for brokers; its own mutations are enough
                        }
                        SCANNER.scanRun(name + ": " + String.join(" ", args), cli(args, 2));
                        count("broken file × command");
                    }
                }
            }
        }
        assertNoLeaks();
    }

    @Test
    void theJobGraphHoldsSecretReferencesOnly() throws Exception {
        for (Base base : Base.values()) {
            // building the graph resolves the source's secret once (Flink CDC's IncrementalSource asks
            // its config factory for the boundedness) without keeping it: ${env:...} is built in the child JVM
            for (Form form : List.of(Form.LITERAL, Form.FILE)) {
                String name = base + "/" + form;
                PipelineDef def = PipelineConfigLoader.load(write(base, form, base.template, "graph-" + base + "-" + form));
                JobGraphOutputs graph = JobGraphOutputs.of(def);
                SCANNER.scanText(name + ": execution plan, JSON plan, job and vertex configuration, toString()", graph.visible());
                count("job graph: plans and configuration");
                String latin1 = new String(graph.bytes(), StandardCharsets.ISO_8859_1);
                assertThat(latin1).as("the search reaches the operators: the sink's user name").contains("tidemark");
                if (form == Form.LITERAL) {
                    // the one way a literal reaches the operators; see the class Javadoc
                    for (String role : base.roles) {
                        assertThat(latin1).as("%s: literal %s password in the serialized operators", name, role)
                                .contains(SECRETS.get(role));
                    }
                } else {
                    SCANNER.scanBytes(name + ": serialized job graph, vertex configurations and coordinators", graph.bytes());
                }
                count("job graph: serialized bytes");
            }
        }
        assertNoLeaks();
    }

    @Test
    void envSecretsResolvedInAChildJvmStayOutOfEveryOutput() throws Exception {
        for (Base base : Base.values()) {
            Path file = write(base, Form.ENV, base.template, "child-" + base);
            Path childTmp = Files.createDirectories(dir.resolve("child-tmp-" + base));
            List<String> command = SecretScanChildJvm.javaCommand(childTmp, List.of(), SecretScanChildJvm.class.getName());
            List<List<String>> runs = new ArrayList<>(List.of(
                    List.of("config", "check", file.toString()),
                    List.of("run", "--verbose", file.toString()),
                    List.of("reconcile", "--verbose", file.toString()),
                    List.of("restore", savepoint.toUri().toString(), "--config", file.toString(), "--rest-address", CLOSED_REST, "--verbose"),
                    List.of("dlq", "list", "--verbose", file.toString()),
                    List.of(SecretScanChildJvm.JOB_MAIN, "--config", file.toString()),
                    List.of(SecretScanChildJvm.JOB_GRAPH, file.toString())));
            for (List<String> run : runs) {
                command.addAll(run);
                command.add(SecretScanChildJvm.NEXT);
                count("child JVM with ${env:...} secrets");
            }
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
            base.roles.forEach(role -> builder.environment().put(envName(role), SECRETS.get(role)));
            Process process = builder.start();
            Future<byte[]> err;
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                err = reader.submit(() -> process.getErrorStream().readAllBytes());
                byte[] out = process.getInputStream().readAllBytes();
                assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("child JVM ends").isTrue();
                String stdout = new String(out, StandardCharsets.UTF_8);
                SCANNER.scanText(base + " child JVM stdout", stdout);
                SCANNER.scanText(base + " child JVM stderr", new String(err.get(), StandardCharsets.UTF_8));
                assertThat(stdout).as("the child ran every command").contains(SecretScanChildJvm.DONE);
                assertThat(stdout).as("the child's commands resolved the secrets before failing")
                        .doesNotContain("TIDEMARK_SCAN_SOURCE is not set");
            } finally {
                reader.shutdownNow();
                process.destroyForcibly();
            }
            assertThat(childTmp.resolve("job-graph.bin")).as("the child built the job graph").isNotEmptyFile();
            List<Path> logs = SCANNER.scanFiles(base + " child JVM's files", childTmp, SecretScanTest::isInput);
            assertThat(logs).as("the child's log files").anyMatch(p -> p.getFileName().toString().endsWith(".log"));
        }
        assertNoLeaks();
    }

    @Test
    void manifestsWithSecretsWrittenIntoThemAreReportedWithoutThem() throws Exception {
        String good = Files.readString(Path.of("..", "deploy", "kubernetes", "base", "flinkdeployment.yaml"));
        String access = SECRETS.get("s3-access");
        String secret = SECRETS.get("s3-secret");
        String conf = "    taskmanager.numberOfTaskSlots: \"2\"\n";
        String env = "          env:\n";
        Map<String, String> manifests = new LinkedHashMap<>();
        manifests.put("s3 keys in flinkConfiguration", good.replace(conf, conf + "    s3.access-key: " + access + "\n    s3.secret-key: " + secret + "\n"));
        manifests.put("s3a keys in flinkConfiguration", good.replace(conf, conf + "    fs.s3a.access.key: " + access + "\n    fs.s3a.secret.key: " + secret + "\n"));
        manifests.put("keystore password in flinkConfiguration", good.replace(conf, conf + "    security.ssl.internal.keystore-password: " + secret + "\n"));
        manifests.put("AWS_SECRET_ACCESS_KEY written into env", good.replace(env, env + "            - name: AWS_SECRET_ACCESS_KEY_EXTRA\n              value: " + secret + "\n"));
        manifests.put("DB_PASSWORD written into env", good.replace(env, env + "            - name: DB_PASSWORD\n              value: " + SECRETS.get("source") + "\n"));
        manifests.put("credentials in state.checkpoints.dir", good.replace("state.checkpoints.dir: s3://flink-checkpoints/checkpoints",
                "state.checkpoints.dir: s3://" + access + ":" + secret + "@flink-checkpoints/checkpoints"));
        manifests.put("credentials in state.savepoints.dir (wrong scheme)", good.replace("state.savepoints.dir: s3://flink-checkpoints/savepoints",
                "state.savepoints.dir: ftp://" + access + ":" + secret + "@flink-checkpoints/savepoints"));
        manifests.put("password in job.args", good.replace("args: [\"--config\", \"/etc/tidemark/pipeline.yaml\"]",
                "args: [\"--config\", \"/etc/tidemark/pipeline.yaml\", \"--password=" + SECRETS.get("source") + "\"]"));
        manifests.put("s3.secret-key a list", good.replace(conf, conf + "    s3.secret-key: [" + secret + "]\n"));
        for (String line : List.of("    s3.secret-key: %s: x\n", "    s3.secret-key: \"%s\n", "    s3.secret-key: *%s\n",
                "    s3.secret-key: [%s\n", "    s3.secret-key: !!binary %s\n", "    s3.secret-key:\t%s\n")) {
            manifests.put("YAML error: " + line.strip().replace("%s", "SECRET"), good.replace(conf, conf + line.formatted(secret)));
        }
        String pipeline = fill(Base.POSTGRES.template, Form.LITERAL, dir).indent(4);
        manifests.put("ConfigMap with a literal pipeline.yaml", good + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tidemark-pipeline\n"
                + "data:\n  pipeline.yaml: |\n" + pipeline);
        manifests.put("ConfigMap with a pipeline.yaml broken on the password line", good + "---\napiVersion: v1\nkind: ConfigMap\n"
                + "metadata:\n  name: tidemark-pipeline\ndata:\n  pipeline.yaml: |\n"
                + pipeline.replace("password: " + SECRETS.get("source"), "password: " + SECRETS.get("source") + ": x"));
        manifests.put("ConfigMap with an alias error on the password line", good + "---\napiVersion: v1\nkind: ConfigMap\n"
                + "metadata:\n  name: tidemark-pipeline\ndata:\n  pipeline.yaml: |\n"
                + pipeline.replace("password: " + SECRETS.get("source"), "password: *" + SECRETS.get("source")));
        manifests.put("ConfigMap with secret keys", good + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: creds\ndata:\n"
                + "  DB_PASSWORD: " + SECRETS.get("sink") + "\n  sasl-password: " + SECRETS.get("kafka") + "\n  s3.secret-key: " + secret + "\n");
        manifests.put("Secret with stringData and data", good + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: tidemark-db-credentials\n"
                + "stringData:\n  source-password: " + SECRETS.get("source") + "\ndata:\n  sink-password: "
                + Base64.getEncoder().encodeToString(SECRETS.get("sink").getBytes(StandardCharsets.UTF_8)) + "\n");
        Path pipelineFile = write(Base.POSTGRES, Form.LITERAL, Base.POSTGRES.template, "manifest-pipeline");
        int n = 0;
        for (Map.Entry<String, String> manifest : manifests.entrySet()) {
            assertThat(manifest.getValue()).as(manifest.getKey()).isNotEqualTo(good);
            Path file = Files.writeString(dir.resolve("manifest-" + n++ + ".yaml"), manifest.getValue());
            for (List<String> args : List.of(List.of("manifest", "check", file.toString()),
                    List.of("manifest", "check", "--output", "json", file.toString()),
                    List.of("manifest", "check", "--verbose", file.toString(), pipelineFile.toString()))) {
                CliRun run = cli(args, 30);
                SCANNER.scanRun(manifest.getKey() + ": " + String.join(" ", args), run);
                count("manifest × command");
            }
        }
        // the checker does look at these: a literal secret is an error
        CliRun flagged = CliRun.of("manifest", "check", dir.resolve("manifest-0.yaml").toString());
        assertThat(flagged.exitCode()).as(flagged.toString()).isEqualTo(ExitCodes.FAILURE);
        assertThat(flagged.out()).contains("s3.secret-key").contains("a credential written into the manifest");
        assertNoLeaks();
    }

    /** A new command that reads a pipeline file fails this test until the scan runs it too. */
    @Test
    void theScanCoversEveryCommandThatReadsAPipelineFile() {
        CommandSpec root = Main.commandLine(new Terminal(new PrintStream(OutputStream.nullOutputStream()),
                new PrintStream(OutputStream.nullOutputStream()), false)).getCommandSpec();
        Set<String> reading = new TreeSet<>();
        collectPipelineReaders(root, reading);
        Set<String> scanned = new TreeSet<>();
        for (List<String> args : commandsReading(dir.resolve("p.yaml"), Base.POSTGRES, savepoint)) {
            CommandLine.ParseResult parsed;
            try {
                parsed = Main.commandLine(new Terminal(new PrintStream(OutputStream.nullOutputStream()),
                        new PrintStream(OutputStream.nullOutputStream()), false)).parseArgs(args.toArray(String[]::new));
            } catch (CommandLine.ParameterException e) {
                throw new AssertionError("the scan's command line " + args + " does not parse: " + e.getMessage(), e);
            }
            while (parsed.hasSubcommand()) {
                parsed = parsed.subcommand();
            }
            scanned.add(parsed.commandSpec().qualifiedName(" "));
        }
        assertThat(reading).as("commands with a pipeline FILE or --config").isNotEmpty().contains("tidemark run", "tidemark reconcile");
        assertThat(scanned).containsAll(reading);
    }


    private static Path write(Base base, Form form, String template, String name) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), fill(template, form, dir));
    }

    private static CliRun cli(List<String> args, int seconds) throws Exception {
        long start = System.nanoTime();
        try {
            return cliWithin(args, seconds);
        } finally {
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (millis > 1_000) {
                slow.add(millis + " ms: " + String.join(" ", args));
            }
        }
    }

    private static CliRun cliWithin(List<String> args, int seconds) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<CliRun> future = executor.submit(() -> CliRun.of(args.toArray(String[]::new)));
            try {
                return future.get(seconds, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // a Kafka client waits for its brokers; what it printed and logged so far is scanned
                future.cancel(true);
                try {
                    return future.get(10, TimeUnit.SECONDS);
                } catch (Exception stillRunning) {
                    return new CliRun(-1, "", "");
                }
            }
        } finally {
            executor.shutdownNow();
        }
    }

    private static List<String> allSecrets() {
        List<String> secrets = new ArrayList<>(SECRETS.values());
        secrets.add(NUMERIC);
        return secrets;
    }

    /** The test's own inputs (password files, pipeline files, manifests), which are not scanned. */
    private static boolean isInput(Path file) {
        String name = file.getFileName().toString();
        return file.startsWith(dir.resolve("secrets")) || file.getParent().equals(dir) && (name.endsWith(".yaml"));
    }

    private static Set<Path> newRunDirs() throws IOException {
        Set<Path> dirs = new TreeSet<>();
        try (Stream<Path> tmp = Files.list(tmpDir())) {
            tmp.filter(p -> p.getFileName().toString().startsWith("tidemark-run-")).filter(p -> !runDirsBefore.contains(p)).forEach(dirs::add);
        }
        return dirs;
    }

    /** The process's streams, the log files and everything else written so far, then the findings. */
    private static void assertNoLeaks() throws IOException {
        SCANNER.scanText("this JVM's stdout/stderr (log4j console appender)", capture.printed());
        List<Path> logs = new ArrayList<>(SCANNER.scanFiles("written under the test directory", dir, SecretScanTest::isInput));
        for (Path runDir : newRunDirs()) {
            logs.addAll(SCANNER.scanFiles("written by tidemark run", runDir, SecretScanTest::isInput));
        }
        count("files scanned", logs.size());
        SCANNER.assertNoLeaks("secrets found; cases so far %s", casesByKind);
    }

    private static Path tmpDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static void count(String kind) {
        count(kind, 1);
    }

    private static void count(String kind, int n) {
        synchronized (casesByKind) {
            casesByKind.merge(kind, n, Integer::sum);
        }
    }
}
