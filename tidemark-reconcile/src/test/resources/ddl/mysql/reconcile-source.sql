CREATE TABLE items (
    id INT PRIMARY KEY,
    name VARCHAR(64) NOT NULL,
    note VARCHAR(64),
    price DECIMAL(10, 2) NOT NULL,
    ratio DOUBLE,
    small FLOAT,
    flag BIT(1),
    created TIMESTAMP(6) NULL,
    local_time DATETIME(6),
    happened_on DATE,
    opens_at TIME(6),
    payload JSON,
    data BLOB
) ENGINE=InnoDB
