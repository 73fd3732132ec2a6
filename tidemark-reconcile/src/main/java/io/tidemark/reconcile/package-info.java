/**
 * Source against sink, the way a user proves that a pipeline kept its promise: per table, checksums
 * computed inside each database over primary-key ranges and bisected down to the differing keys,
 * differing keys re-checked until the running job has had time to apply them, and a report of the
 * keys that stayed missing, extra or different.
 */
package io.tidemark.reconcile;
