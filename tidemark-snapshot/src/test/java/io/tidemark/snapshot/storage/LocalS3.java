package io.tidemark.snapshot.storage;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.fs.FileSystem;

import org.gaul.s3proxy.BlobStores;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * An S3 endpoint in the test JVM: s3proxy over a filesystem blob store in a temporary directory, with
 * one bucket and AWS signature authentication, plus the Flink settings that reach it. Registered as an
 * extension before the MiniCluster's, it stops after the cluster has cancelled its jobs (a job whose S3
 * calls fail retries for minutes), and leaves Flink's file systems without its settings for the test
 * classes that run later in the JVM.
 */
final class LocalS3 implements AfterAllCallback {

    static final String ACCESS_KEY = "tidemark-test-key";
    static final String SECRET_KEY = "tidemark-test-secret";

    private final String bucket;
    private final Path baseDirectory;
    private final BlobStore blobStore;
    private final S3Proxy proxy;

    private LocalS3(String bucket, Path baseDirectory, BlobStore blobStore, S3Proxy proxy) {
        this.bucket = bucket;
        this.baseDirectory = baseDirectory;
        this.blobStore = blobStore;
        this.proxy = proxy;
    }

    /** Starts the endpoint on a free port with an empty {@code bucket}. */
    static LocalS3 start(String bucket) {
        try {
            Path baseDirectory = Files.createTempDirectory("tidemark-s3proxy");
            Properties properties = new Properties();
            properties.setProperty("jclouds.filesystem.basedir", baseDirectory.toString());
            BlobStore blobStore = BlobStores.create("filesystem", properties);
            S3Proxy proxy = S3Proxy.builder()
                    .blobStore(blobStore)
                    .endpoint(URI.create("http://127.0.0.1:0"))
                    .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                    .build();
            proxy.start();
            blobStore.createContainer(bucket);
            return new LocalS3(bucket, baseDirectory, blobStore, proxy);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot start s3proxy", e);
        }
    }

    /** {@code base} plus the keys Flink's S3 file system needs to reach this endpoint. */
    Configuration flinkConfiguration(Configuration base) {
        Configuration configuration = new Configuration(base);
        configuration.setString("s3.endpoint", "http://127.0.0.1:" + proxy.getPort());
        configuration.setString("s3.path.style.access", "true");
        configuration.setString("s3.access-key", ACCESS_KEY);
        configuration.setString("s3.secret-key", SECRET_KEY);
        return configuration;
    }

    /** {@code s3://<bucket>/<key>}. */
    String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    /** The total size of the objects whose key starts with {@code prefix}, as the blob store holds them. */
    long objectBytes(String prefix) {
        long total = 0;
        String token = null;
        do {
            ListObjectsV2Response page = blobStore.list(ListObjectsV2Request.builder()
                    .bucket(bucket).prefix(prefix).continuationToken(token).build());
            total += page.contents().stream().mapToLong(S3Object::size).sum();
            token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
        return total;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        FileSystem.initialize(new Configuration(), null);
        proxy.stop();
        blobStore.close();
        try (Stream<Path> paths = Files.walk(baseDirectory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // a temporary directory: the OS cleans it up eventually
        }
    }
}
