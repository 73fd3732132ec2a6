package io.tidemark.bench.snapshots;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * s3proxy in the bench JVM over a blob store on disk (as in tidemark-snapshot's S3 tests), with every
 * call the S3 front end makes into the blob store counted by name: one S3 request is one such call
 * ({@code list} a ListObjects, {@code blobMetadata} a HEAD, {@code getBlob} a GET, ...; the front end's
 * questions about the store's capabilities are not counted). The bench
 * writes its snapshots straight into the blob store (not counted), fast and byte for byte.
 */
final class BenchS3 implements AutoCloseable {

    static final String ACCESS_KEY = "tidemark-bench-key";
    static final String SECRET_KEY = "tidemark-bench-secret";

    private final String bucket;
    private final Path baseDirectory;
    private final BlobStore store;
    private final S3Proxy proxy;
    private final Map<String, LongAdder> calls;

    private BenchS3(String bucket, Path baseDirectory, BlobStore store, S3Proxy proxy, Map<String, LongAdder> calls) {
        this.bucket = bucket;
        this.baseDirectory = baseDirectory;
        this.store = store;
        this.proxy = proxy;
        this.calls = calls;
    }

    /**
     * Starts the endpoint with an empty {@code bucket}; every request waits {@code latencyMillis} more before the
     * blob store serves it, standing in for a network round trip (0: loopback only).
     */
    static BenchS3 start(String bucket, String blobStoreType, int latencyMillis) throws Exception {
        Path baseDirectory = Files.createTempDirectory("tidemark-bench-s3");
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", baseDirectory.toString());
        BlobStore store = BlobStores.create(blobStoreType, properties);
        Map<String, LongAdder> calls = new ConcurrentHashMap<>();
        BlobStore counted = (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class},
                (self, method, args) -> {
                    // supports*() and getMinimumMultipartPartSize() are the front end asking about capabilities
                    if (!method.getName().startsWith("supports") && !method.getName().startsWith("getMinimum")) {
                        calls.computeIfAbsent(method.getName(), name -> new LongAdder()).increment();
                        if (latencyMillis > 0) {
                            Thread.sleep(latencyMillis);
                        }
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(counted)
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        proxy.start();
        store.createContainer(bucket);
        return new BenchS3(bucket, baseDirectory, store, proxy, calls);
    }

    String endpoint() {
        return "http://127.0.0.1:" + proxy.getPort();
    }

    /** The {@code -D} options that point Flink's S3 file system at this endpoint. */
    List<String> flinkOptions() {
        return List.of("-D", "s3.endpoint=" + endpoint(), "-D", "s3.path.style.access=true",
                "-D", "s3.access-key=" + ACCESS_KEY, "-D", "s3.secret-key=" + SECRET_KEY);
    }

    String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    void put(String key, byte[] bytes) {
        store.putBlob(PutObjectRequest.builder().bucket(bucket).key(key).contentLength((long) bytes.length).build(),
                new ByteArrayInputStream(bytes));
    }

    byte[] get(String key) throws IOException {
        try (var in = store.getBlob(bucket, key)) {
            return in.readAllBytes();
        }
    }

    void remove(String key) {
        store.removeBlob(bucket, key);
    }

    /** Every object under {@code prefix}, in key order. */
    List<S3Object> objects(String prefix) {
        List<S3Object> objects = new ArrayList<>();
        String token = null;
        do {
            ListObjectsV2Response page = store.list(ListObjectsV2Request.builder()
                    .bucket(bucket).prefix(prefix).continuationToken(token).build());
            objects.addAll(page.contents());
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return objects;
    }

    /** The requests served since the last call, by blob store operation; resets the counts. */
    Map<String, Long> takeCalls() {
        Map<String, Long> taken = new TreeMap<>();
        calls.forEach((name, count) -> {
            long n = count.sumThenReset();
            if (n > 0) {
                taken.put(name, n);
            }
        });
        return taken;
    }

    @Override
    public void close() throws Exception {
        proxy.stop();
        store.close();
        try (Stream<Path> paths = Files.walk(baseDirectory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
