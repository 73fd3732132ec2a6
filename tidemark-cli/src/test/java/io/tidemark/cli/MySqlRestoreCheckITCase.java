package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;
import io.tidemark.pipeline.job.PipelineJob;
import io.tidemark.pipeline.source.SourcePositionLostException;
import io.tidemark.pipeline.testing.MariaDbTestServer;

import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.InjectClusterClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code tidemark restore} of a MariaDB pipeline whose binlog position is gone: the binlog file the
 * savepoint resumes from was purged, or the server is another one whose binlog is shorter than the
 * position. Each is refused in one line with exit code 6 before a job starts or a row is written
 * (before, the restore went ahead: Flink CDC would have failed on the cluster, or read from another
 * server's binlog at a position that means nothing there).
 */
class MySqlRestoreCheckITCase {

    @RegisterExtension
    static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(4)
            .build());

    @TempDir
    Path dir;

    private MariaDbTestServer server;
    private RestClusterClient<?> client;
    private Path pipelineFile;
    private int nextId = 1;

    @BeforeEach
    void startServer(@InjectClusterClient RestClusterClient<?> client) throws Exception {
        this.client = client;
        server = MariaDbTestServer.startPrivate(true);
        server.execute("", "CREATE DATABASE shop", "CREATE DATABASE warehouse");
        for (String db : new String[] {"shop", "warehouse"}) {
            server.execute(db, "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR(40) NOT NULL,"
                    + " version INT NOT NULL)");
        }
        pipelineFile = pipelineFile(server);
    }

    @AfterEach
    void stop() throws Exception {
        for (JobStatusMessage job : client.listJobs().get(10, TimeUnit.SECONDS)) {
            if (!job.getJobState().isGloballyTerminalState()) {
                client.cancel(job.getJobId()).get(30, TimeUnit.SECONDS);
            }
        }
        server.close();
    }

    @Test
    void aRestoreWhoseBinlogFileWasPurgedIsRefusedAndStartsNoJob() throws Exception {
        String savepoint = savepointWhileStreaming();
        insert(20); // changes after the savepoint, in the file about to be purged
        String newest = server.single("", "SHOW MASTER STATUS");
        server.execute("", "FLUSH BINARY LOGS");
        String current = server.single("", "SHOW MASTER STATUS");
        assertThat(current).isNotEqualTo(newest);
        // the server keeps a file a binlog dump thread still reads: the stopped job's may linger a moment
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            server.execute("", "PURGE BINARY LOGS TO '" + current + "'");
            return server.single("", "SHOW BINARY LOGS").equals(current);
        });

        CliRun refused = restore(savepoint);
        System.out.println("MySqlRestoreCheckITCase: tidemark restore, binlog file purged:\n" + refused);

        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
        assertThat(refused.out()).isEmpty();
        assertThat(refused.errLines()).last().asString().matches("tidemark: source: binlog file binlog\\.\\d+, where"
                + " the savepoint resumes \\(position \\d+\\), is no longer on 127\\.0\\.0\\.1:\\d+ \\(oldest now: "
                + "binlog\\.\\d+\\), so the changes after the savepoint are gone from the server; start the pipeline"
                + " anew with a snapshot into empty sink tables \\(tidemark run --config FILE, without"
                + " --from-savepoint\\)");
        assertNothingStartedOrWritten();
        // and the job's own entry point on a cluster refuses it too, before it builds anything
        assertThatThrownBy(() -> PipelineJobMain.checkBeforeRestore(
                        PipelineJob.of(PipelineConfigLoader.load(pipelineFile)), savepoint))
                .isInstanceOf(SourcePositionLostException.class)
                .hasMessageContaining("is no longer on 127.0.0.1");
    }

    @Test
    void aRestoreAgainstAnotherServerWhoseBinlogIsShorterIsRefused() throws Exception {
        String savepoint = savepointWhileStreaming();
        try (MariaDbTestServer other = MariaDbTestServer.startPrivate(true)) {
            pipelineFile = pipelineFile(other);

            CliRun refused = restore(savepoint);

            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCodes.INCOMPATIBLE_STATE);
            assertThat(refused.errLines()).last().asString().matches("tidemark: source: binlog file binlog\\.\\d+ on"
                    + " 127\\.0\\.0\\.1:\\d+ ends at \\d+, before position \\d+ where the savepoint resumes: this is"
                    + " not the server \\(or not the binlog\\) the savepoint was taken from; .*");
            assertNothingStartedOrWritten();
        }
    }

    /** Runs the pipeline until it streams, stops it with a savepoint and returns the savepoint's path. */
    private String savepointWhileStreaming() throws Exception {
        insert(50);
        PipelineJob job = PipelineJob.of(PipelineConfigLoader.load(pipelineFile));
        job.prepare();
        JobID id = client.submitJob(job.jobGraph(new Configuration(), SavepointRestoreSettings.none()))
                .get(1, TimeUnit.MINUTES);
        await().atMost(Duration.ofMinutes(2)).until(() -> sinkRows() == 50);
        insert(10); // streamed: the savepoint holds a binlog split past the snapshot
        await().atMost(Duration.ofMinutes(1)).until(() -> sinkRows() == 60);
        return client.stopWithSavepoint(id, false, dir.resolve("savepoints").toUri().toString(),
                SavepointFormatType.CANONICAL).get(2, TimeUnit.MINUTES);
    }

    private CliRun restore(String savepoint) {
        return CliRun.of("restore", savepoint, "--config", pipelineFile.toString(), "--rest-address",
                client.getWebInterfaceURL(), "--jar", dir.resolve("no-job.jar").toString());
    }

    private void assertNothingStartedOrWritten() throws Exception {
        assertThat(client.listJobs().get(10, TimeUnit.SECONDS)).as("no job started")
                .allMatch(job -> job.getJobState().isGloballyTerminalState());
        assertThat(sinkRows()).as("nothing written").isEqualTo(60);
    }

    private Path pipelineFile(MariaDbTestServer on) throws Exception {
        Path secret = dir.resolve("db-password");
        Files.writeString(secret, MariaDbTestServer.PASSWORD + "\n");
        Path file = dir.resolve("pipeline-" + on.port() + ".yaml");
        Files.writeString(file, "pipeline:\n"
                + "  name: maria-restore\n"
                + "  parallelism: 1\n"
                + "source:\n"
                + "  type: mysql\n"
                + "  hostname: 127.0.0.1\n"
                + "  port: " + on.port() + "\n"
                + "  username: " + MariaDbTestServer.USER + "\n"
                + "  password: ${file:" + secret + "}\n"
                + "  tables:\n"
                + "    - shop.orders\n"
                + "sinks:\n"
                + "  - name: warehouse\n"
                + "    type: jdbc\n"
                + "    url: " + server.jdbcUrl("warehouse") + "?useSSL=false&allowPublicKeyRetrieval=true\n"
                + "    username: " + MariaDbTestServer.USER + "\n"
                + "    password: ${file:" + secret + "}\n"
                + "    flush-interval: 100ms\n"
                + "routes:\n"
                + "  - source-table: shop.orders\n"
                + "    sink: warehouse\n"
                + "    sink-table: warehouse.orders\n"
                + "checkpointing:\n"
                + "  interval: 1s\n"
                + "  checkpoints-dir: '" + dir.resolve("checkpoints").toUri() + "'\n"
                + "  savepoints-dir: '" + dir.resolve("savepoints").toUri() + "'\n");
        return file;
    }

    private void insert(int rows) {
        String[] statements = new String[rows];
        for (int i = 0; i < rows; i++) {
            int id = nextId++;
            statements[i] = "INSERT INTO orders VALUES (" + id + ", 'c" + id + "', 1)";
        }
        server.execute("shop", statements);
    }

    private long sinkRows() throws Exception {
        try (Connection c = server.connect("warehouse"); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
