CREATE TABLE items (
    id INT PRIMARY KEY,
    name TEXT NOT NULL,
    note TEXT,
    price NUMERIC(10, 2) NOT NULL,
    ratio DOUBLE PRECISION,
    small REAL,
    flag BOOLEAN,
    created TIMESTAMPTZ,
    local_time TIMESTAMP,
    happened_on DATE,
    opens_at TIME,
    payload JSONB,
    data BYTEA
);
