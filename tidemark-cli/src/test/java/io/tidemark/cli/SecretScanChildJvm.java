package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineConfigLoader;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The child JVM of {@link SecretScanTest}, given {@code ${env:...}} secrets: runs each group of
 * arguments (separated by {@link #NEXT}) as {@code tidemark}, or {@link #JOB_MAIN} as the cluster's
 * entry point, printing what a JobManager would log of its failure; a group that does not end within
 * 3 s (a Kafka client waiting for brokers; {@value #GROUP_SECONDS_PROPERTY} sets another limit) is
 * interrupted. {@link RunningJobSecretScanITCase} runs operator commands against a running job in it.
 */
final class SecretScanChildJvm {

    static final String NEXT = "--next--";
    static final String JOB_MAIN = "PipelineJobMain";
    static final String JOB_GRAPH = "JobGraph";
    static final String DONE = "=== child done";
    static final String GROUP_SECONDS_PROPERTY = "tidemark.scan.group-seconds";

    private SecretScanChildJvm() {}

    /**
     * The command line of a JVM like this one: its class path and Flink's {@code --add-opens} and
     * {@code --add-exports} options, {@code tmpDir} as its temporary directory, the CLI's production
     * logging ({@code log4j2.xml}), then {@code options} and {@code mainClass}; arguments may be added.
     */
    static List<String> javaCommand(Path tmpDir, List<String> options, String mainClass) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-opens") || arg.startsWith("--add-exports")) {
                command.add(arg);
            }
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + tmpDir,
                "-Dlog4j2.configurationFile=" + SecretScanner.productionLogConfig()));
        command.addAll(options);
        command.add(mainClass);
        return command;
    }

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
                future.get(Long.getLong(GROUP_SECONDS_PROPERTY, 3), TimeUnit.SECONDS);
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
