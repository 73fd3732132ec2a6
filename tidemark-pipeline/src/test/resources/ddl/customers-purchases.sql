CREATE TABLE customers (
    id BIGINT PRIMARY KEY,
    email TEXT NOT NULL CONSTRAINT customers_email_key UNIQUE,
    name TEXT NOT NULL,
    version INT NOT NULL
);
--;;
CREATE TABLE purchases (
    id BIGINT PRIMARY KEY,
    customer_id BIGINT NOT NULL CONSTRAINT purchases_customer_fkey REFERENCES customers (id),
    amount NUMERIC(12, 2) NOT NULL,
    version INT NOT NULL
);
--;;
ALTER TABLE customers REPLICA IDENTITY FULL;
--;;
ALTER TABLE purchases REPLICA IDENTITY FULL;
