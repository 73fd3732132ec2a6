CREATE EXTENSION IF NOT EXISTS hstore;
--;;
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
--;;
CREATE DOMAIN positive_int AS INT CHECK (VALUE > 0);
--;;
CREATE DOMAIN measure AS NUMERIC CHECK (VALUE <> 0);
--;;
CREATE TABLE pg_values (
    id INT PRIMARY KEY,
    num NUMERIC,
    num_scaled NUMERIC(12, 2),
    f8 DOUBLE PRECISION,
    f4 REAL,
    born DATE,
    ts TIMESTAMP,
    tstz TIMESTAMPTZ,
    span INTERVAL,
    addr INET,
    net CIDR,
    mac MACADDR,
    mac8 MACADDR8,
    price MONEY,
    clock TIMETZ,
    feeling mood,
    qty positive_int,
    doc XML,
    flags BIT(4),
    vflags VARBIT(16),
    ints INT4RANGE,
    periods TSTZRANGE,
    amounts NUMRANGE,
    attrs HSTORE,
    grid INT[][],
    words TEXT[][],
    moods mood[],
    decimals NUMERIC[],
    stamps TIMESTAMPTZ[],
    blobs BYTEA[],
    checks BOOLEAN[],
    reading measure
);
--;;
ALTER TABLE pg_values REPLICA IDENTITY FULL;
