/**
 * The dead-letter queue: changes a sink could not apply after its retry budget, with what is
 * needed to fix the cause and replay them through the same guarded sink path.
 */
package io.tidemark.pipeline.dlq;
