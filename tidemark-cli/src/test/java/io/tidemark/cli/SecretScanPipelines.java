package io.tidemark.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What {@link SecretScanTest} runs: the secrets by role, the two pipeline shapes that between them
 * hold every secret the configuration has, written with literal, {@code ${file:...}} or
 * {@code ${env:...}} passwords, and every command that reads a pipeline file.
 */
final class SecretScanPipelines {

    static final String CLOSED_REST = "http://127.0.0.1:1";
    static final String JOB = "0123456789abcdef0123456789abcdef";

    /** Secret by role; each ends in a random part of its own, searched for alone too (a partial leak). */
    static final Map<String, String> SECRETS = new LinkedHashMap<>();

    static {
        for (String role : List.of("source", "sink", "redis", "dlq", "kafka", "s3-access", "s3-secret")) {
            SECRETS.put(role, SecretScanner.secret(role));
        }
    }

    /** A password of digits only: YAML reads it as a number, which the loader must not echo either. */
    static final String NUMERIC = "7" + Long.toString(Math.abs(new SecureRandom().nextLong() % 1_000_000_000_000L) + 1_000_000_000_000L);

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

    /**
     * Changes to a filled-in {@link Base#POSTGRES} or {@link Base#MYSQL} file, by name: wrong values
     * next to the secret, the secret of the wrong type, YAML errors on the secret's own line, the
     * secret pasted where validation refuses it or into a reference, and valid files with awkward
     * passwords. A change that leaves a file as it is does not apply to it.
     */
    static Map<String, UnaryOperator<String>> brokenFileMutations() {
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
        return mutations;
    }

    /** The same for the Kafka dead-letter queue's keys ({@link Base#MYSQL}). */
    static Map<String, UnaryOperator<String>> kafkaQueueMutations() {
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
        return kafka;
    }

    /** Every command that reads a pipeline file, with the file {@code file}; hosts and REST address closed. */
    static List<List<String>> commandsReading(Path file, Base base, Path savepoint) {
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
                List.of("source", "status", f),
                List.of("source", "status", f, "--output", "json"),
                List.of("pipeline", "drop", f, "--dry-run"),
                List.of("pipeline", "drop", f, "--yes", "--include-dead-letters", "--output", "json"),
                List.of("pipeline", "drop", f, "--yes", "--rest-address", CLOSED_REST),
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

    static void collectPipelineReaders(CommandSpec spec, Set<String> out) {
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

    static String envName(String role) {
        return "TIDEMARK_SCAN_" + role.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** {@code template} with its passwords given as {@code form}, the secrets and snapshots under {@code dir}. */
    static String fill(String template, Form form, Path dir) {
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

    private SecretScanPipelines() {}
}
