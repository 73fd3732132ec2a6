package io.tidemark.snapshot.rest;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/** Packages {@link CountingJob} the way a user's build packages a job, for the tests to upload. */
final class CountingJobJar {

    private CountingJobJar() {}

    /** Writes a jar of {@link CountingJob} and its nested classes, taken from the test classes, to {@code target}. */
    static Path write(Path target) throws Exception {
        Path classes = Path.of(CountingJob.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String packageDir = CountingJob.class.getPackageName().replace('.', '/');
        List<Path> jobClasses;
        try (Stream<Path> files = Files.list(classes.resolve(packageDir))) {
            jobClasses = files.filter(f -> f.getFileName().toString().matches("CountingJob(\\$.*)?\\.class")).toList();
        }
        try (OutputStream file = Files.newOutputStream(target); JarOutputStream out = new JarOutputStream(file)) {
            for (Path c : jobClasses) {
                out.putNextEntry(new JarEntry(packageDir + "/" + c.getFileName()));
                Files.copy(c, out);
                out.closeEntry();
            }
        }
        return target;
    }
}
