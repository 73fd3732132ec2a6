CREATE TABLE refunds (
    id BIGINT PRIMARY KEY,
    customer TEXT NOT NULL,
    amount NUMERIC(12, 2) NOT NULL,
    status VARCHAR(16) NOT NULL,
    note TEXT,
    updated_at TIMESTAMPTZ NOT NULL,
    version INT NOT NULL
);
--;;
ALTER TABLE refunds REPLICA IDENTITY FULL;
