package io.tidemark.snapshot.storage;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotPathsTest {

    @Test
    void spellingsOfOneLocalDirectoryAreEqual() {
        assertThat(SnapshotPaths.normalize("file:/x/savepoints/savepoint-1a2b3c-0123456789ab"))
                .isEqualTo("file:/x/savepoints/savepoint-1a2b3c-0123456789ab")
                .isEqualTo(SnapshotPaths.normalize("file:///x/savepoints/savepoint-1a2b3c-0123456789ab/"))
                .isEqualTo(SnapshotPaths.normalize("file://localhost/x/savepoints//savepoint-1a2b3c-0123456789ab"))
                .isEqualTo(SnapshotPaths.normalize("/x/savepoints/./savepoint-1a2b3c-0123456789ab//"));
    }

    @Test
    void pathWithoutSchemeIsAnAbsoluteLocalFile() {
        String expected = "file:" + Path.of("relative/savepoint-1").toAbsolutePath();
        assertThat(SnapshotPaths.normalize("relative/savepoint-1")).isEqualTo(expected);
    }

    @Test
    void s3PathsKeepTheirBucket() {
        assertThat(SnapshotPaths.normalize("s3://bucket/checkpoints/0123/chk-42/"))
                .isEqualTo("s3://bucket/checkpoints/0123/chk-42");
        assertThat(SnapshotPaths.normalize("s3://bucket/checkpoints/0123/chk-42"))
                .isNotEqualTo(SnapshotPaths.normalize("s3://other/checkpoints/0123/chk-42"));
    }

    @Test
    void emptyPathIsRefused() {
        assertThatThrownBy(() -> SnapshotPaths.normalize("  ")).isInstanceOf(IllegalArgumentException.class);
    }
}
