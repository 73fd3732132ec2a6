package io.tidemark.cli;

/** How a command prints its result: for people, or as one JSON document on stdout for scripts. */
public enum OutputFormat {
    TEXT,
    JSON
}
