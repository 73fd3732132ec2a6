CREATE TABLE items (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    note TEXT,
    price DECIMAL(12, 4) NOT NULL,
    amount DECIMAL(30, 10),
    ratio DOUBLE,
    small FLOAT,
    flag BOOLEAN,
    created DATETIME(6),
    local_time DATETIME(6),
    happened_on DATE,
    opens_at TIME(6),
    payload JSON,
    data BLOB,
    tags JSON
) ENGINE=InnoDB
--;;
CREATE TABLE labels (code VARCHAR(64) PRIMARY KEY, label TEXT) ENGINE=InnoDB
