package io.tidemark.reconcile;

import java.util.List;

/** Every compared table and sink; equal only if each one is. */
public record ReconcileReport(List<TableReconciliation> tables) {

    public ReconcileReport {
        tables = List.copyOf(tables);
    }

    public boolean equal() {
        return tables.stream().allMatch(TableReconciliation::equal);
    }
}
