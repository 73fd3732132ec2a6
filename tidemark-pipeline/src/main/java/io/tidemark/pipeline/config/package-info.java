/**
 * The pipeline definition: {@code pipeline.yaml} read once, checked in full, and turned into immutable
 * records ({@link io.tidemark.pipeline.config.PipelineDef}) that the job composer consumes.
 *
 * <p>Keys, types, defaults and descriptions are declared once in the {@code *Options} classes; the
 * loader and {@code docs/configuration.md} are both derived from those declarations.
 */
package io.tidemark.pipeline.config;
