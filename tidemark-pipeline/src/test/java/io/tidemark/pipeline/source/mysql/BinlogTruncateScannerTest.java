package io.tidemark.pipeline.source.mysql;

import io.tidemark.pipeline.event.TableId;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The statements {@code SHOW BINLOG EVENTS} shows for a truncate, in the spellings MySQL and MariaDB write. */
class BinlogTruncateScannerTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "use `shop`; TRUNCATE TABLE orders                | shop.orders",
        "use `shop`; truncate orders                      | shop.orders",
        "use `shop`; TRUNCATE TABLE `Order Items`         | shop.Order Items",
        "use `a``b`; TRUNCATE TABLE `x``y`                | a`b.x`y",
        "use `other`; TRUNCATE TABLE shop.orders          | shop.orders",
        "use `other`; TRUNCATE TABLE `shop` . `orders` ;  | shop.orders",
        "TRUNCATE TABLE `shop`.`orders`                   | shop.orders",
        "use `shop`; /* app */ TRUNCATE TABLE orders      | shop.orders",
        "TRUNCATE TABLE orders                            | -",
        "use `shop`; DELETE FROM orders                   | -",
        "use `shop`; CREATE TABLE truncate_log (id INT)   | -",
        "BEGIN                                            | -",
    })
    void findsTheTruncatedTable(String info, String expected) {
        TableId table = BinlogTruncateScanner.truncatedTable(info);
        assertThat(table == null ? null : table.schema() + "." + table.table()).isEqualTo(expected);
    }
}
