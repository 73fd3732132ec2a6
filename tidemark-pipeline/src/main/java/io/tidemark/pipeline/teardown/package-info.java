/**
 * Removing what a pipeline created outside its job, once it is stopped for good: on the source
 * (PostgreSQL's replication slot and publication) and on the sinks (Tidemark's metadata rows and
 * tables, optionally the position column). Each side plans first (what is there, what goes, what
 * stays and why) and removes only what its plan listed, so an operator can read the plan before
 * anything changes ({@code tidemark pipeline drop}).
 */
package io.tidemark.pipeline.teardown;
