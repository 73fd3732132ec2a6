package io.tidemark.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Puts the results block of a run into a Markdown file between two marker comments, keeping the
 * hand-written text around it; a file without the markers gets the block appended.
 */
public final class MarkdownFile {

    static final String BEGIN = "<!-- tidemark-bench:results:begin -->";
    static final String END = "<!-- tidemark-bench:results:end -->";

    private MarkdownFile() {}

    public static void writeResults(Path file, String block) throws IOException {
        String existing = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        Files.writeString(file, replaceResults(existing, block), StandardCharsets.UTF_8);
    }

    static String replaceResults(String document, String block) {
        String wrapped = BEGIN + "\n" + block.strip() + "\n" + END;
        int begin = document.indexOf(BEGIN);
        int end = document.indexOf(END);
        if (begin >= 0 && end > begin) {
            return document.substring(0, begin) + wrapped + document.substring(end + END.length());
        }
        if (document.isEmpty()) {
            return wrapped + "\n";
        }
        return document + (document.endsWith("\n") ? "\n" : "\n\n") + wrapped + "\n";
    }
}
