package io.tidemark.reconcile;

/** Hears how far a long comparison has got, for a progress line. */
public interface ReconcileListener {

    ReconcileListener NONE = new ReconcileListener() {};

    /** A table's comparison with a sink starts; {@code method} says how it is compared. */
    default void tableStarted(String table, String sink, String method) {}

    /** Part of a table was compared: {@code fraction} of its key range (0..1), {@code rows} source rows so far. */
    default void progress(String table, String sink, double fraction, long rows) {}

    /** Differing keys are being re-read while the job applies what is in flight. */
    default void settling(String table, String sink, int keys) {}

    /** A table's comparison with a sink ended. */
    default void tableDone(TableReconciliation result) {}
}
