CREATE TABLE odd_values (
    id INT NOT NULL PRIMARY KEY,
    bit1 BIT(1),
    bit5 BIT(5),
    bit16 BIT(16),
    bit64 BIT(64),
    maybe_date DATE NULL,
    some_date DATE NOT NULL,
    some_ts DATETIME(6) NOT NULL
) CHARACTER SET utf8mb4
