package io.tidemark.cli.upgrade;

/**
 * One thing a restore of the savepoint into the new version would do that an operator should know
 * before it happens. A {@link Severity#BLOCKING} finding makes the upgrade incompatible (exit 6):
 * Flink would refuse the restore, or it would succeed and leave a sink that does not equal the
 * source.
 *
 * @param code stable, for scripts ({@code DROPPED_STATE}, {@code NEW_SINK}, …)
 * @param subject what it is about, named as in the pipeline file ({@code source}, {@code sinks.warehouse})
 * @param message one line: what the restore would do, and what to do instead
 */
public record UpgradeFinding(Severity severity, String code, String subject, String message) {

    /** How much a finding matters to the upgrade. */
    public enum Severity {
        /** The restore would be refused, or would leave a sink unequal to the source. */
        BLOCKING,
        /** The restore works; this is what it does differently (rescaling, for example). */
        INFO
    }

    public String describe() {
        return (severity == Severity.BLOCKING ? "BLOCKING " : "info     ") + subject + ": " + message;
    }
}
