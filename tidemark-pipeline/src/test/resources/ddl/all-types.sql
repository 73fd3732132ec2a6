CREATE TABLE all_types (
    tenant SMALLINT NOT NULL,
    id INT NOT NULL,
    big BIGINT,
    amount NUMERIC(38, 10),
    ratio REAL,
    score DOUBLE PRECISION,
    title TEXT,
    code VARCHAR(32),
    active BOOLEAN,
    born DATE,
    local_ts TIMESTAMP,
    zoned_ts TIMESTAMPTZ,
    uid UUID,
    doc JSONB,
    blob BYTEA,
    tags TEXT[],
    nums INT[],
    PRIMARY KEY (tenant, id)
);
--;;
ALTER TABLE all_types REPLICA IDENTITY FULL;
