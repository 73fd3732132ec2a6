package io.tidemark.pipeline.teardown;

import javax.annotation.Nullable;

import java.util.Objects;

/**
 * One object a pipeline drop touches or leaves alone, as a plan lists it and as its result reports
 * it: {@code drop replication slot tidemark_orders}, {@code delete 2 rows of public._tidemark_fence},
 * {@code keep 4 rows of public._tidemark_dlq: dead letters stay unless --include-dead-letters}.
 *
 * @param object what it is about, such as {@code replication slot tidemark_orders} or a table
 * @param rows the rows it deletes or keeps, or {@code null} where rows mean nothing (a slot, a table)
 * @param reason why, where it is not obvious (always for {@link Action#KEEP}); or {@code null}
 */
public record TeardownStep(Action action, String object, @Nullable Long rows, @Nullable String reason) {

    /** What happens to the object. */
    public enum Action {
        /** The object itself goes: a slot, a publication, a table, a column. */
        DROP,
        /** Rows of a table go; the table stays. */
        DELETE,
        /** The object stays, for the reason given. */
        KEEP,
        /** Nothing to do; the object says why (it does not exist, the side holds nothing). */
        NONE
    }

    public TeardownStep {
        Objects.requireNonNull(action, "action cannot be null");
        Objects.requireNonNull(object, "object cannot be null");
    }

    public static TeardownStep drop(String object) {
        return new TeardownStep(Action.DROP, object, null, null);
    }

    public static TeardownStep delete(String object, long rows) {
        return new TeardownStep(Action.DELETE, object, rows, null);
    }

    public static TeardownStep keep(String object, @Nullable Long rows, String reason) {
        return new TeardownStep(Action.KEEP, object, rows, reason);
    }

    public static TeardownStep none(String object) {
        return new TeardownStep(Action.NONE, object, null, null);
    }
}
