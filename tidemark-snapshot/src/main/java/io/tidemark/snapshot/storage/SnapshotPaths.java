package io.tidemark.snapshot.storage;

import org.apache.flink.core.fs.Path;

import java.net.URI;

/**
 * One spelling for each snapshot path. Flink reports {@code file:/x}, users type {@code /x/},
 * {@code file:///x} or a path relative to where they are; comparing such strings as they come would
 * let retention delete the snapshot a running job restored from because its path was spelled differently.
 */
public final class SnapshotPaths {

    private SnapshotPaths() {}

    /**
     * The canonical form of a snapshot path: a URI with a scheme ({@code file:} for a path without one,
     * made absolute), no trailing slash, no empty authority ({@code file:///x} becomes {@code file:/x}),
     * no repeated or {@code .}/{@code ..} segments.
     */
    public static String normalize(String path) {
        return toFlinkPath(path).toString();
    }

    /** The path as a Flink {@link Path} in canonical form (see {@link #normalize}). */
    static Path toFlinkPath(String path) {
        String trimmed = path.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("a snapshot path cannot be empty");
        }
        URI uri;
        if (hasScheme(trimmed)) {
            uri = new Path(trimmed).toUri().normalize();
        } else {
            uri = java.nio.file.Path.of(trimmed).toAbsolutePath().normalize().toUri();
        }
        String scheme = uri.getScheme();
        String authority = uri.getAuthority();
        if ("file".equals(scheme) && (authority == null || authority.isEmpty() || authority.equals("localhost"))) {
            authority = null;
        }
        String uriPath = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
        while (uriPath.length() > 1 && uriPath.endsWith("/")) {
            uriPath = uriPath.substring(0, uriPath.length() - 1);
        }
        return new Path(scheme, authority, uriPath);
    }

    private static boolean hasScheme(String path) {
        int colon = path.indexOf(':');
        int slash = path.indexOf('/');
        // "C:" style drive letters are not schemes; a scheme is at least two letters before the first slash
        return colon > 1 && (slash < 0 || colon < slash);
    }
}
