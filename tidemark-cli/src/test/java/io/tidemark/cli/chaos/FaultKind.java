package io.tidemark.cli.chaos;

/**
 * The faults a chaos run injects, each one a production incident the pipeline must heal from without
 * losing a change, applying one twice or letting a reader see a row go back.
 */
public enum FaultKind {
    /** The PostgreSQL job's replication connection is terminated on the server: the job fails and restores. */
    JOB_FAILURE("job failure (walsender terminated)"),
    /** A TaskManager process is killed with SIGKILL and a new one started, as Kubernetes replaces a pod. */
    TASKMANAGER_KILLED("TaskManager killed"),
    /** The sink database server stops (both jobs' JDBC sinks and the dead-letter queue) and comes back. */
    SINK_STOPPED("sink database stopped"),
    /** The PostgreSQL source server restarts; its replication slot survives. */
    POSTGRES_RESTARTED("PostgreSQL source restarted"),
    /** The Redis server is killed with SIGKILL and started again from its append-only file. */
    REDIS_KILLED("Redis killed and restarted"),
    /** The MariaDB source server restarts; its binary log survives. */
    MARIADB_RESTARTED("MariaDB source restarted");

    private final String description;

    FaultKind(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /** Whether the fault touches the PostgreSQL → PostgreSQL + Redis job. */
    boolean hitsPostgresJob() {
        return this != MARIADB_RESTARTED;
    }

    /** Whether the fault touches the MariaDB → PostgreSQL job. */
    boolean hitsMariaDbJob() {
        return this == TASKMANAGER_KILLED || this == SINK_STOPPED || this == MARIADB_RESTARTED;
    }
}
