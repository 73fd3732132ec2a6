package io.tidemark.pipeline.testing;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bundled MariaDB's failure on a machine lacking a library must name the library. */
class MariaDbBinariesTest {

    @Test
    void namesTheLibrariesLddCannotFind() {
        String ldd = """
                \tlinux-vdso.so.1 (0x00007ffd6b1f2000)
                \tlibcrypt.so.1 => /lib/x86_64-linux-gnu/libcrypt.so.1 (0x00007f0e1c9c7000)
                \tlibaio.so.1 => not found
                \tlibsystemd.so.0 => not found
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0e1a41e000)
                """;

        assertThat(MariaDbBinaries.parseLddNotFound(ldd)).containsExactly("libaio.so.1", "libsystemd.so.0");
        assertThat(MariaDbBinaries.parseLddNotFound("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6\n")).isEmpty();
    }
}
