package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobgraph.jsonplan.JsonPlanGenerator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

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
 */
class SecretScanTest {

    private static final String RUN = HexFormat.of().formatHex(SecureRandom.getSeed(6));
    private static final String CLOSED_HOST = "127.0.0.1";
    private static final String CLOSED_REST = "http://127.0.0.1:1";
    private static final String JOB = "0123456789abcdef0123456789abcdef";

    /** Secret by role; each ends in a random part of its own, searched for alone too (a partial leak). */
    private static final Map<String, String> SECRETS = new LinkedHashMap<>();

    static {
        for (String role : List.of("source", "sink", "redis", "dlq", "kafka", "s3-access", "s3-secret")) {
            SECRETS.put(role, "s3cr3t-" + role + "-" + RUN + HexFormat.of().formatHex(SecureRandom.getSeed(3)));
        }
    }

    /** A password of digits only: YAML reads it as a number, which the loader must not echo either. */
    private static final String NUMERIC = "7" + Long.toString(Math.abs(new SecureRandom().nextLong() % 1_000_000_000_000L) + 1_000_000_000_000L);

    /** How a pipeline file gives its passwords. */
    enum Form {
        LITERAL,
        FILE,
        ENV
    }

    /** The two pipeline shapes between them cover every secret the configuration has. */
    enum Base {
        /** PostgreSQL source, PostgreSQL sink, Redis sink with AUTH, dead-letter queue in a JDBC database. */
        POSTGRES("""
                pipeline:
                  name: scan
                  parallelism: 2
                source:
                  type: postgres
                  hostname: 127.0.0.1
                  port: 1
                  database: shop
                  username: tidemark
                  password: {source}
                  tables: [public.orders, public.customers]
                  slot-name: tidemark_scan
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: jdbc:postgresql://127.0.0.1:1/warehouse
                    username: tidemark
                    password: {sink}
                  - name: cache
                    type: redis
                    uri: redis://127.0.0.1:1
                    password: {redis}
                    key-prefix: shop
                routes:
                  - {source-table: public.orders, sink: warehouse}
                  - {source-table: public.customers, sink: warehouse}
                  - {source-table: public.orders, sink: cache}
                dead-letter-queue:
                  url: jdbc:postgresql://127.0.0.1:1/dlq
                  username: tidemark
                  password: {dlq}
                checkpointing:
                  interval: 60s
                  checkpoints-dir: {dir}/checkpoints
                  savepoints-dir: {dir}/savepoints
                """, List.of("source", "sink", "redis", "dlq")),
        /** MariaDB source, MariaDB sink, Redis sink with AUTH, dead-letter queue in Kafka with SASL. */
        MYSQL("""
                pipeline:
                  name: scan-mysql
                  parallelism: 1
                source:
                  type: mysql
                  hostname: 127.0.0.1
                  port: 1
                  username: tidemark
                  password: {source}
                  tables: [shop.orders]
                sinks:
                  - name: warehouse
                    type: jdbc
                    url: jdbc:mariadb://127.0.0.1:1/warehouse
                    username: tidemark
                    password: {sink}
                  - name: cache
                    type: redis
                    uri: redis://127.0.0.1:1
                    password: {redis}
                routes:
                  - {source-table: shop.orders, sink: warehouse}
                  - {source-table: shop.orders, sink: cache}
                dead-letter-queue:
                  type: kafka
                  bootstrap-servers: 127.0.0.1:1
                  security-protocol: SASL_PLAINTEXT
                  sasl-mechanism: SCRAM-SHA-512
                  sasl-username: tidemark
                  sasl-password: {kafka}
                checkpointing:
                  interval: 60s
                  checkpoints-dir: {dir}/checkpoints
                  savepoints-dir: {dir}/savepoints
                """, List.of("source", "sink", "redis", "kafka"));

        final String template;
        final List<String> roles;

        Base(String template, List<String> roles) {
            this.template = template;
            this.roles = roles;
        }
    }

    @TempDir
    static Path dir;

    private static final List<String> leaks = new ArrayList<>();
    private static final List<String> slow = new ArrayList<>();
    private static final Map<String, Integer> casesByKind = new LinkedHashMap<>();
    private static final Set<Path> runDirsBefore = new TreeSet<>();
    private static PrintStream originalOut;
    private static PrintStream originalErr;
    private static final ByteArrayOutputStream processStreams = new ByteArrayOutputStream();
    private static URI originalLogConfig;
    private static String originalLogFile;
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
        // Whatever this process prints outside the captured CliRun streams (log4j's console appender
        // for the config warnings binds System.err when it is configured) is scanned too.
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(new Tee(originalOut), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(new Tee(originalErr), true, StandardCharsets.UTF_8));
        // The CLI's production logging (log4j2.xml), not the test configuration on the class path.
        originalLogFile = System.getProperty(Logging.LOG_FILE_PROPERTY);
        System.setProperty(Logging.LOG_FILE_PROPERTY, Files.createDirectories(dir.resolve("logs")).resolve("tidemark-cli.log").toString());
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        originalLogConfig = context.getConfigLocation();
        context.setConfigLocation(productionLogConfig().toUri());
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (originalLogFile == null) {
            System.clearProperty(Logging.LOG_FILE_PROPERTY);
        } else {
            System.setProperty(Logging.LOG_FILE_PROPERTY, originalLogFile);
        }
        ((LoggerContext) LogManager.getContext(false)).setConfigLocation(originalLogConfig);
        System.setOut(originalOut);
        System.setErr(originalErr);
        for (Path runDir : newRunDirs()) {
            try (Stream<Path> files = Files.walk(runDir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        originalOut.println("SecretScanTest cases: " + casesByKind);
        originalOut.println("SecretScanTest slow runs: " + String.join("\n  ", slow));
    }

    @org.junit.jupiter.api.BeforeEach
    void forgetLeaks() {
        leaks.clear();
    }

    // ---------------------------------------------------------------------------------------------

    @Test
    void everyCommandThatReadsAPipelineFileKeepsItsSecrets() throws Exception {
        for (Base base : Base.values()) {
            for (Form form : Form.values()) {
                Path file = write(base, form, base.template, base + "-" + form);
                for (List<String> args : commandsReading(file, base)) {
                    if (form == Form.ENV && args.contains("--verbose")) {
                        continue; // unset here, the variables fail plainly; the child JVM resolves them
                    }
                    boolean kafkaQueue = base == Base.MYSQL && args.get(0).equals("dlq");
                    CliRun run = cli(args, kafkaQueue ? 2 : 30);
                    count("valid file × command");
                    // a usage error would mean the scan never reached the command's work
                    if (run.exitCode() == ExitCodes.USAGE && !run.err().contains("needs a PostgreSQL source")) {
                        leaks.add("usage error, fix the test's command line: " + args + "\n" + run);
                    }
                    scanRun(base + "/" + form + ": " + String.join(" ", args), run);
                }
                scanException(base + "/" + form + ": PipelineJobMain", () -> {
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
        String source = SECRETS.get("source");
        Map<String, UnaryOperator<String>> mutations = new LinkedHashMap<>();
        // wrong values next to the secret
        mutations.put("port not a number", t -> t.replaceFirst("port: 1\n", "port: abc\n"));
        mutations.put("unknown table next to the secret", t -> t.replace("slot-name: tidemark_scan", "slot-name: Not-A-Slot!"));
        mutations.put("missing username", t -> t.replaceFirst("  username: tidemark\n", ""));
        // the secret of the wrong type
        mutations.put("password a list", t -> t.replace("password: " + source, "password: [" + source + ", other]"));
        mutations.put("password a mapping", t -> t.replace("password: " + source, "password: {value: " + source + "}"));
        mutations.put("password under a misspelt key", t -> t.replace("password: " + source, "pasword: " + source));
        mutations.put("password twice", t -> t.replace("password: " + source, "password: " + source + "\n  password: " + source));
        // YAML syntax errors on the secret's own line
        for (String line : List.of("password: %s: x", "password: \"%s", "password: '%s", "password: *%s", "password: [%s",
                "password: {%s", "password: %s]", "password: %s}", "password: !!int %s", "password: !!float %s",
                "password: !!binary %s", "password: !!bool %s", "password: !!timestamp %s", "password: @%s", "password: `%s",
                "password: %%%s", "password: \"%s\\q\"", "password: %s\n     stray: indentation", "password:\t%s",
                "password: &%s x", "password: !%s x", "password: ? %s", "password: |%s", "password: >-%s")) {
            mutations.put("YAML error: " + line.replace("%s", "SECRET").replace("\n", "\\n").replace("\t", "\\t"),
                    t -> t.replace("password: " + source, line.formatted(source)));
        }
        // the secret pasted where validation refuses it
        mutations.put("sink url ?password=", t -> t.replace("1/warehouse\n", "1/warehouse?password=" + SECRETS.get("sink") + "\n"));
        mutations.put("sink url ;password= (MariaDB)", t -> t.replace("1/warehouse\n", "1/warehouse?user=x&password=" + SECRETS.get("sink") + "\n"));
        mutations.put("sink url user:password@", t -> t.replace("//127.0.0.1:1/warehouse", "//tidemark:" + SECRETS.get("sink") + "@127.0.0.1:1/warehouse"));
        mutations.put("sink url not JDBC", t -> t.replace("url: jdbc:postgresql://127.0.0.1:1/warehouse", "url: postgresql://tidemark:" + SECRETS.get("sink") + "@127.0.0.1:1/warehouse")
                .replace("url: jdbc:mariadb://127.0.0.1:1/warehouse", "url: mariadb://tidemark:" + SECRETS.get("sink") + "@127.0.0.1:1/warehouse"));
        mutations.put("redis uri :password@", t -> t.replace("uri: redis://127.0.0.1:1", "uri: redis://:" + SECRETS.get("redis") + "@127.0.0.1:1"));
        mutations.put("redis uri user:password@/0", t -> t.replace("uri: redis://127.0.0.1:1", "uri: redis://default:" + SECRETS.get("redis") + "@127.0.0.1:1/0"));
        mutations.put("redis cluster uri with credentials", t -> t.replace("uri: redis://127.0.0.1:1", "mode: cluster\n    uri: rediss://:" + SECRETS.get("redis") + "@127.0.0.1:1,127.0.0.1:2"));
        mutations.put("redis uri malformed", t -> t.replace("uri: redis://127.0.0.1:1", "uri: redis//" + SECRETS.get("redis") + "@@127.0.0.1:x"));
        mutations.put("dlq url user:password@", t -> t.replace("//127.0.0.1:1/dlq", "//tidemark:" + SECRETS.get("dlq") + "@127.0.0.1:1/dlq"));
        mutations.put("dlq url ?password=", t -> t.replace("1/dlq\n", "1/dlq?password=" + SECRETS.get("dlq") + "\n"));
        mutations.put("checkpoints-dir s3 with keys", t -> t.replaceFirst("checkpoints-dir: .*", "checkpoints-dir: s3://" + SECRETS.get("s3-access") + ":" + SECRETS.get("s3-secret") + "@bucket/cp"));
        mutations.put("savepoints-dir s3a with keys", t -> t.replaceFirst("savepoints-dir: .*", "savepoints-dir: s3a://" + SECRETS.get("s3-access") + ":" + SECRETS.get("s3-secret") + "@bucket/sp"));
        mutations.put("checkpoints-dir unknown scheme with keys", t -> t.replaceFirst("checkpoints-dir: .*", "checkpoints-dir: ftp://u:" + SECRETS.get("s3-secret") + "@host/cp"));
        // the secret pasted into a reference
        for (String ref : List.of("${env:%s}", "${%s}", "${file:%s}", "${vault:%s}", "${env:%s", "${file:relative/%s}")) {
            mutations.put("reference " + ref.replace("%s", "SECRET"), t -> t.replace("password: " + source, "password: '" + ref.formatted(source) + "'"));
        }
        // valid files with awkward passwords: they load, and the connecting commands reach the closed ports
        mutations.put("a numeric password", t -> t.replace("password: " + source, "password: " + NUMERIC));
        mutations.put("a 400-character password", t -> t.replace("password: " + source, "password: " + source + "x".repeat(400)));
        mutations.put("a password with quotes and spaces", t -> t.replace("password: " + source, "password: '" + source + " \" ; -- '' \\'"));
        mutations.put("a password over two lines", t -> t.replace("password: " + source, "password: |\n    " + source + "\n    second-line"));

        Map<String, UnaryOperator<String>> kafka = new LinkedHashMap<>();
        String sasl = SECRETS.get("kafka");
        kafka.put("sasl-mechanism unknown", t -> t.replace("SCRAM-SHA-512", "SCRAM-SHA-1024"));
        kafka.put("sasl keys with PLAINTEXT", t -> t.replace("security-protocol: SASL_PLAINTEXT", "security-protocol: PLAINTEXT"));
        kafka.put("sasl-username missing", t -> t.replace("  sasl-username: tidemark\n", ""));
        kafka.put("sasl-password a list", t -> t.replace("sasl-password: " + sasl, "sasl-password: [" + sasl + "]"));
        kafka.put("YAML error on sasl-password", t -> t.replace("sasl-password: " + sasl, "sasl-password: " + sasl + ": x"));
        kafka.put("bootstrap-servers with credentials", t -> t.replace("bootstrap-servers: 127.0.0.1:1", "bootstrap-servers: tidemark:" + sasl + "@127.0.0.1:1"));
        kafka.put("sasl-password with JAAS quotes", t -> t.replace("sasl-password: " + sasl, "sasl-password: '" + sasl + "\" ; x=\"y'"));
        kafka.put("url next to type kafka", t -> t.replace("  type: kafka\n", "  type: kafka\n  url: jdbc:postgresql://tidemark:" + sasl + "@127.0.0.1:1/dlq\n"));

        int n = 0;
        for (Base base : Base.values()) {
            Map<String, UnaryOperator<String>> all = new LinkedHashMap<>(mutations);
            if (base == Base.MYSQL) {
                all.putAll(kafka);
            }
            for (Form form : List.of(Form.LITERAL, Form.FILE)) {
                for (Map.Entry<String, UnaryOperator<String>> mutation : all.entrySet()) {
                    String text = fill(base.template, form);
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
                        scanRun(name + ": " + String.join(" ", args), cli(args, 2));
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
                scanText(name + ": execution plan, JSON plan, job and vertex configuration, toString()", graph.visible());
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
                    scanBytes(name + ": serialized job graph, vertex configurations and coordinators", graph.bytes());
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
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
                    command.add(arg);
                }
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + childTmp,
                    "-Dlog4j2.configurationFile=" + productionLogConfig().toUri(), ChildJvm.class.getName()));
            List<List<String>> runs = new ArrayList<>(List.of(
                    List.of("config", "check", file.toString()),
                    List.of("run", "--verbose", file.toString()),
                    List.of("reconcile", "--verbose", file.toString()),
                    List.of("restore", savepoint.toUri().toString(), "--config", file.toString(), "--rest-address", CLOSED_REST, "--verbose"),
                    List.of("dlq", "list", "--verbose", file.toString()),
                    List.of(ChildJvm.JOB_MAIN, "--config", file.toString()),
                    List.of(ChildJvm.JOB_GRAPH, file.toString())));
            for (List<String> run : runs) {
                command.addAll(run);
                command.add(ChildJvm.NEXT);
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
                scanText(base + " child JVM stdout", stdout);
                scanText(base + " child JVM stderr", new String(err.get(), StandardCharsets.UTF_8));
                assertThat(stdout).as("the child ran every command").contains(ChildJvm.DONE);
                assertThat(stdout).as("the child's commands resolved the secrets before failing")
                        .doesNotContain("TIDEMARK_SCAN_SOURCE is not set");
            } finally {
                reader.shutdownNow();
                process.destroyForcibly();
            }
            assertThat(childTmp.resolve("job-graph.bin")).as("the child built the job graph").isNotEmptyFile();
            List<Path> logs = scanFiles(base + " child JVM's files", childTmp);
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
        String pipeline = fill(Base.POSTGRES.template, Form.LITERAL).indent(4);
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
                scanRun(manifest.getKey() + ": " + String.join(" ", args), run);
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
        for (List<String> args : commandsReading(dir.resolve("p.yaml"), Base.POSTGRES)) {
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

    // ---------------------------------------------------------------------------------------------

    /**
     * What leaves the client for the cluster: the job graph as {@code tidemark run} and {@code restore}
     * build it and as {@link PipelineJobMain} builds it; {@code visible} is what people and tools read
     * (execution plan, the JSON plan of the Web UI and REST API, configurations, names, {@code toString()}),
     * {@code bytes} the Java serialization of both graphs, their vertices' configurations (the
     * serialized operators) and operator coordinators.
     */
    record JobGraphOutputs(String visible, byte[] bytes) {

        static JobGraphOutputs of(PipelineDef def) throws Exception {
            JobGraph graph = PipelineJob.of(def).jobGraph(new Configuration(), SavepointRestoreSettings.none());
            StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
            env.configure(PipelineJobMain.jobConfiguration(def, new Configuration()));
            PipelineJob.of(def).composer().compose(env);
            StringBuilder visible = new StringBuilder(env.getExecutionPlan());
            JobGraph mainGraph = env.getStreamGraph().getJobGraph();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (JobGraph g : List.of(graph, mainGraph)) {
                visible.append(JsonPlanGenerator.generatePlan(g)).append(g.getJobConfiguration()).append(g.getName());
                bytes.write(InstantiationUtil.serializeObject(g));
                for (JobVertex vertex : g.getVertices()) {
                    visible.append(vertex.getName()).append(vertex.getOperatorPrettyName()).append(vertex.getConfiguration().toMap());
                    bytes.write(InstantiationUtil.serializeObject(vertex.getConfiguration()));
                    bytes.write(InstantiationUtil.serializeObject(vertex.getOperatorCoordinators()));
                }
            }
            visible.append(env.getConfig()).append(env.getConfiguration()).append(def);
            return new JobGraphOutputs(visible.toString(), bytes.toByteArray());
        }
    }

    /** Every command that reads a pipeline file, with the file {@code file}; hosts and REST address closed. */
    static List<List<String>> commandsReading(Path file, Base base) {
        String f = file.toString();
        String sp = savepoint == null ? "file:///nowhere" : savepoint.toUri().toString();
        String table = base == Base.MYSQL ? "shop.orders" : "public.orders";
        List<List<String>> commands = new ArrayList<>(List.of(
                List.of("config", "check", f),
                List.of("config", "check", "--output", "json", f),
                List.of("run", f),
                List.of("run", f, "--from-savepoint", sp),
                List.of("restore", sp, "--config", f),
                List.of("restore", sp, "--config", f, "--rest-address", CLOSED_REST),
                List.of("savepoint", "list", "--config", f),
                List.of("savepoint", "cleanup", "--config", f, "--dry-run", "--keep-last", "1", "--offline"),
                List.of("savepoint", "trigger", JOB, "--config", f, "--rest-address", CLOSED_REST),
                List.of("savepoint", "stop", JOB, "--config", f, "--rest-address", CLOSED_REST),
                List.of("savepoint", "dispose", sp, "--config", f),
                List.of("checkpoint", "list", "--config", f),
                List.of("dlq", "list", f),
                List.of("dlq", "show", f, "1"),
                List.of("dlq", "replay", f, "--table", table),
                List.of("dlq", "purge", f, "--all"),
                List.of("reconcile", f),
                List.of("reconcile", f, "--output", "json"),
                List.of("upgrade", "check", "--savepoint", sp, "--config", f, "--current-config", f),
                List.of("schema-change", f, "--dry-run"),
                List.of("schema-change", f, "--job", JOB, "--rest-address", CLOSED_REST),
                List.of("drill", "dr", f, "--job", JOB, "--jar", f, "--rest-address", CLOSED_REST),
                List.of("drill", "corruption", f, "--table", table, "--sink", "warehouse", "--yes")));
        // the same with --verbose, which prints stack traces and so every exception's message
        int plain = commands.size();
        for (int i = 0; i < plain; i++) {
            List<String> verbose = new ArrayList<>(commands.get(i));
            if (!verbose.get(0).equals("dlq") || verbose.get(1).equals("list")) {
                verbose.add("--verbose");
                commands.add(verbose);
            }
        }
        if (base == Base.MYSQL) {
            // a Kafka client waits out its timeout for brokers on a closed port: one dlq command is enough
            commands.removeIf(c -> c.get(0).equals("dlq") && (!c.get(1).equals("list") || c.contains("--verbose")));
        }
        return commands;
    }

    private static void collectPipelineReaders(CommandSpec spec, Set<String> out) {
        if (spec.subcommands().isEmpty()) {
            boolean file = spec.positionalParameters().stream().anyMatch(p -> p.paramLabel().equals("FILE"))
                    && !spec.name().equals("check") || spec.findOption("--config") != null
                    || spec.qualifiedName(" ").equals("tidemark config check");
            if (file && !spec.name().equals("demo")) { // the demo writes its own file, with file secrets
                out.add(spec.qualifiedName(" "));
            }
            return;
        }
        for (CommandLine sub : new LinkedHashSet<>(spec.subcommands().values())) {
            collectPipelineReaders(sub.getCommandSpec(), out);
        }
    }

    private static String envName(String role) {
        return "TIDEMARK_SCAN_" + role.toUpperCase(java.util.Locale.ROOT).replace('-', '_');
    }

    private static String fill(String template, Form form) {
        String text = template.replace("{dir}", dir.toUri().toString().replaceAll("/$", ""));
        for (Map.Entry<String, String> secret : SECRETS.entrySet()) {
            String value = switch (form) {
                case LITERAL -> secret.getValue();
                case FILE -> "'${file:" + dir.resolve("secrets").resolve(secret.getKey()) + "}'";
                case ENV -> "'${env:" + envName(secret.getKey()) + "}'";
            };
            text = text.replace("{" + secret.getKey() + "}", value);
        }
        return text;
    }

    private static Path write(Base base, Form form, String template, String name) throws IOException {
        return Files.writeString(dir.resolve(name + ".yaml"), fill(template, form));
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

    private static void scanException(String where, Callable<?> action) {
        try {
            action.call();
            leaks.add(where + ": expected a failure on the closed ports, but it succeeded");
        } catch (Throwable e) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            StringBuilder messages = new StringBuilder(trace.toString());
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(t).append('\n');
                for (Throwable s : t.getSuppressed()) {
                    messages.append(s).append('\n');
                }
            }
            scanText(where + ": exception", messages.toString());
        }
    }

    private static void scanRun(String where, CliRun run) {
        scanText(where + ": stdout", run.out());
        scanText(where + ": stderr", run.err());
    }

    /** The values to look for: each secret, and its random part alone. */
    private static List<String> markers() {
        List<String> markers = new ArrayList<>();
        for (String secret : SECRETS.values()) {
            markers.add(secret);
            markers.add(secret.substring(secret.lastIndexOf('-') + 1));
        }
        markers.add(NUMERIC);
        return markers;
    }

    private static void scanText(String where, String text) {
        for (String marker : markers()) {
            int at = text.indexOf(marker);
            if (at >= 0) {
                int from = Math.max(0, text.lastIndexOf('\n', at) + 1);
                int to = text.indexOf('\n', at) < 0 ? text.length() : text.indexOf('\n', at);
                leaks.add(where + ": contains a secret: " + text.substring(from, Math.min(to, from + 400)));
                return;
            }
        }
    }

    /** Bytes searched for each secret in UTF-8, UTF-16 (Java serialization's chars) and base64. */
    private static void scanBytes(String where, byte[] bytes) {
        String latin1 = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String marker : markers()) {
            for (String encoded : List.of(marker,
                    new String(marker.getBytes(StandardCharsets.UTF_16BE), StandardCharsets.ISO_8859_1),
                    new String(marker.getBytes(StandardCharsets.UTF_16LE), StandardCharsets.ISO_8859_1),
                    Base64.getEncoder().encodeToString(marker.getBytes(StandardCharsets.UTF_8)))) {
                if (latin1.contains(encoded)) {
                    leaks.add(where + ": contains a secret (" + encoded.length() + " bytes form of " + marker + ")");
                    return;
                }
            }
        }
    }

    /** Scans every file under {@code root} except the test's own inputs; returns the files scanned. */
    private static List<Path> scanFiles(String where, Path root) throws IOException {
        List<Path> scanned = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return scanned;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                boolean input = file.startsWith(dir.resolve("secrets")) || file.getParent().equals(dir)
                        && (name.endsWith(".yaml"));
                if (!input) {
                    scanBytes(where + ": " + file, Files.readAllBytes(file));
                    scanned.add(file);
                }
            }
        }
        return scanned;
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
        System.out.flush();
        System.err.flush();
        synchronized (processStreams) {
            scanText("this JVM's stdout/stderr (log4j console appender)", processStreams.toString(StandardCharsets.UTF_8));
        }
        List<Path> logs = new ArrayList<>(scanFiles("written under the test directory", dir));
        for (Path runDir : newRunDirs()) {
            logs.addAll(scanFiles("written by tidemark run", runDir));
        }
        count("files scanned", logs.size());
        assertThat(leaks).as("secrets found; cases so far %s", casesByKind).isEmpty();
    }

    private static Path tmpDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static Path productionLogConfig() throws Exception {
        return Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI()).resolve("log4j2.xml");
    }

    private static void count(String kind) {
        count(kind, 1);
    }

    private static void count(String kind, int n) {
        synchronized (casesByKind) {
            casesByKind.merge(kind, n, Integer::sum);
        }
    }

    /** Copies what the process prints to the original stream and keeps it for the scan. */
    private static final class Tee extends OutputStream {
        private final OutputStream original;

        Tee(OutputStream original) {
            this.original = original;
        }

        @Override
        public void write(int b) throws IOException {
            synchronized (processStreams) {
                processStreams.write(b);
            }
            original.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            synchronized (processStreams) {
                processStreams.write(b, off, len);
            }
            original.write(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            original.flush();
        }
    }

    /**
     * The child JVM: runs each group of arguments (separated by {@link #NEXT}) as {@code tidemark},
     * or {@link #JOB_MAIN} as the cluster's entry point, printing what a JobManager would log of its
     * failure; a group that does not end within 3 s (a Kafka client waiting for brokers) is
     * interrupted.
     */
    static final class ChildJvm {
        static final String NEXT = "--next--";
        static final String JOB_MAIN = "PipelineJobMain";
        static final String JOB_GRAPH = "JobGraph";
        static final String DONE = "=== child done";

        public static void main(String[] args) throws Exception {
            List<String> group = new ArrayList<>();
            for (String arg : args) {
                if (!arg.equals(NEXT)) {
                    group.add(arg);
                    continue;
                }
                List<String> run = List.copyOf(group);
                group.clear();
                ExecutorService executor = Executors.newSingleThreadExecutor();
                Future<?> future = executor.submit(() -> {
                    if (run.get(0).equals(JOB_GRAPH)) {
                        // written where the parent scans the child's files
                        JobGraphOutputs graph = JobGraphOutputs.of(PipelineConfigLoader.load(Path.of(run.get(1))));
                        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
                        Files.writeString(tmp.resolve("job-graph.txt"), graph.visible());
                        Files.write(tmp.resolve("job-graph.bin"), graph.bytes());
                    } else if (run.get(0).equals(JOB_MAIN)) {
                        try {
                            PipelineJobMain.main(run.subList(1, run.size()).toArray(String[]::new));
                        } catch (Throwable e) {
                            e.printStackTrace();
                        }
                    } else {
                        System.out.println("=== exit " + Main.run(System.out, System.err, run.toArray(String[]::new)) + " " + run.get(0));
                    }
                    return null;
                });
                try {
                    future.get(3, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    future.cancel(true);
                    System.out.println("=== interrupted " + run.get(0));
                }
                executor.shutdownNow();
            }
            System.out.println(DONE);
            System.out.flush();
            System.exit(0);
        }
    }
}
