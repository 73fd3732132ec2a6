-- The orders table of a sink that rejects some of what the source allows: a shorter note, no
-- negative amounts, a smallint version. Changes that break these are the dead-letter tests' poison.
CREATE TABLE orders (
    id BIGINT PRIMARY KEY,
    customer TEXT NOT NULL,
    amount NUMERIC(12, 2) NOT NULL CHECK (amount >= 0),
    status VARCHAR(16) NOT NULL,
    note VARCHAR(60),
    updated_at TIMESTAMPTZ NOT NULL,
    version SMALLINT NOT NULL
);
