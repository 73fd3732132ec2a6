package io.tidemark.reconcile.sql;

/**
 * A MySQL/MariaDB double written as PostgreSQL writes a {@code float8}, so that a range holding
 * doubles digests alike in both databases instead of being downloaded and compared value by value.
 *
 * <p>Both databases write a double's shortest round-trip digits; they differ in notation only.
 * PostgreSQL switches to an exponent below 1e-4 and from 1e15 on, always signed and of at least two
 * digits ({@code 9.097040631431023e-05}, {@code 1e+15}); MariaDB writes {@code
 * 0.00009097040631431023} and {@code 1000000000000000}, and its exponents as {@code e-17},
 * {@code e16}. Between 1e-4 and 1e15 both write the same plain text. Outside it, this rewrites
 * MariaDB's text, plain or with an exponent, into PostgreSQL's notation from its digits. From about
 * 1e16 on PostgreSQL sometimes writes more digits than the shortest (an exact integer's), so a few
 * such values still differ in text and are compared by value, as every float is when texts differ.
 * Zero is {@code 0} whatever its sign, as on PostgreSQL's side ({@link SqlFlavor#zeroAsZero}).
 */
final class PostgresDoubleText {

    private PostgresDoubleText() {}

    /** The SQL expression of double {@code x} (an expression MySQL evaluates as a DOUBLE) in PostgreSQL's notation. */
    static String of(String x) {
        String text = "CAST(" + x + " AS CHAR)";
        String magnitude = "TRIM(LEADING '-' FROM " + text + ")";
        String sign = "IF(" + x + " < 0, '-', '')";

        // 9.5e-17, 4.8e16: the mantissa as it is, the exponent signed and padded
        String written = "SUBSTRING_INDEX(" + magnitude + ", 'e', 1)";
        String writtenExponent = "CAST(SUBSTRING_INDEX(" + magnitude + ", 'e', -1) AS SIGNED)";
        String withExponent = "CONCAT(" + sign + ", " + written + ", " + exponent(writtenExponent) + ")";

        // 0.0000905: the digits after the zeros, the exponent from how many zeros there are
        String fraction = "SUBSTRING(" + magnitude + ", 3)";
        String smallDigits = "TRIM(LEADING '0' FROM " + fraction + ")";
        String small = notation(sign, smallDigits, "(LENGTH(" + smallDigits + ") - LENGTH(" + fraction + ") - 1)");

        // 4171257763911462.5: every digit but trailing zeros, the exponent from the integer part's length
        String integerPart = "SUBSTRING_INDEX(" + magnitude + ", '.', 1)";
        String fractionPart = "IF(LOCATE('.', " + magnitude + ") > 0, SUBSTRING_INDEX(" + magnitude + ", '.', -1), '')";
        String largeDigits = "TRIM(TRAILING '0' FROM CONCAT(" + integerPart + ", " + fractionPart + "))";
        String large = notation(sign, largeDigits, "(LENGTH(" + integerPart + ") - 1)");

        return "CASE WHEN " + x + " = 0 THEN '0'"
                + " WHEN ABS(" + x + ") >= 1e-4 AND ABS(" + x + ") < 1e15 THEN " + text
                + " WHEN LOCATE('e', " + text + ") > 0 THEN " + withExponent
                + " WHEN ABS(" + x + ") < 1 THEN " + small
                + " ELSE " + large + " END";
    }

    /** {@code d.ddd} from a digit string, then the exponent. */
    private static String notation(String sign, String digits, String exponent) {
        String mantissa = "CONCAT(LEFT(" + digits + ", 1), IF(LENGTH(" + digits + ") > 1, CONCAT('.', SUBSTRING("
                + digits + ", 2)), ''))";
        return "CONCAT(" + sign + ", " + mantissa + ", " + exponent(exponent) + ")";
    }

    /** {@code e-05}, {@code e+16}: PostgreSQL's exponent. */
    private static String exponent(String value) {
        // LPAD would cut e-324 to e-32
        return "IF(" + value + " < 0, 'e-', 'e+'), IF(ABS(" + value + ") < 10, '0', ''), ABS(" + value + ")";
    }
}
