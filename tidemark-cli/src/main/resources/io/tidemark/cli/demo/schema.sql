-- The demo's tables, created the same on the source and the sink (Tidemark adds _tidemark_pos to
-- the sink tables itself). No foreign keys: the sink applies each row's changes in order, but not
-- the changes of different rows across tables.
CREATE TABLE public.customers (
    id           BIGINT PRIMARY KEY,
    name         TEXT NOT NULL,
    email        VARCHAR(200) NOT NULL,
    country      CHAR(2) NOT NULL,
    credit_limit NUMERIC(12, 2) NOT NULL,
    active       BOOLEAN NOT NULL,
    tags         JSONB,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE public.orders (
    customer_id  BIGINT NOT NULL,
    order_no     INT NOT NULL,
    status       VARCHAR(16) NOT NULL,
    amount       NUMERIC(12, 2) NOT NULL,
    items        JSONB NOT NULL,
    note         TEXT,
    placed_at    TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    version      INT NOT NULL,
    PRIMARY KEY (customer_id, order_no)
);
