CREATE TABLE items (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    note TEXT,
    price NUMERIC(10, 2) NOT NULL,
    amount NUMERIC,
    ratio DOUBLE PRECISION,
    small REAL,
    flag BOOLEAN,
    created TIMESTAMPTZ,
    local_time TIMESTAMP,
    happened_on DATE,
    opens_at TIME,
    payload JSONB,
    data BYTEA,
    tags INT[]
);
--;;
ALTER TABLE items REPLICA IDENTITY FULL;
--;;
CREATE TABLE labels (code TEXT PRIMARY KEY, label TEXT);
--;;
ALTER TABLE labels REPLICA IDENTITY FULL;
