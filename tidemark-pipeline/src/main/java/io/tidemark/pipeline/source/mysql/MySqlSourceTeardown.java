package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.config.MySqlSourceDef;
import io.tidemark.pipeline.teardown.Teardown;
import io.tidemark.pipeline.teardown.TeardownSection;
import io.tidemark.pipeline.teardown.TeardownStep;

import java.util.List;

/**
 * What dropping a pipeline does to a MySQL/MariaDB source: nothing. A binlog reader holds nothing on
 * the server (its position is in the job's checkpoints), so there is no slot to free; the plan says
 * so in one line and the drop goes on with the sinks.
 */
public final class MySqlSourceTeardown implements Teardown {

    private final TeardownSection section;

    public MySqlSourceTeardown(MySqlSourceDef def) {
        this.section = new TeardownSection("source mysql " + def.hostname() + ":" + def.port(), List.of(
                TeardownStep.none("nothing on the server: a MySQL/MariaDB source keeps its binlog position in the"
                        + " job's checkpoints")));
    }

    @Override
    public TeardownSection plan() {
        return section;
    }

    @Override
    public TeardownSection execute() {
        return section;
    }
}
