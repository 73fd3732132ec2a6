package io.tidemark.reconcile.sql;

import io.tidemark.pipeline.event.TableId;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The statements one side runs for a table: the bounds of its integer key, the checksums of key
 * segments, the digests of a range's rows, and whole rows by key, every value as canonical text
 * ({@link SqlFlavor}). Range bounds are integers written into the statement, never user text. Both
 * sides of a comparison always digest rows the same way.
 */
public final class SideQueries {

    private final SqlFlavor flavor;
    private final String from;
    private final List<String> canonical;
    private final List<String> keys;
    private final List<String> keyCanonical;
    private final String digest;
    private final String digestNumber;

    SideQueries(SqlFlavor flavor, TableId table, List<ColumnType> sourceColumns, List<ColumnKind> kinds,
            List<ColumnType> sideColumns, List<Integer> targetScales, List<Boolean> nativeText, List<String> keyColumns,
            boolean postgresOnBothSides) {
        this.flavor = flavor;
        this.from = " FROM " + flavor.quoteIdentifier(table.schema()) + "." + flavor.quoteIdentifier(table.table());
        List<String> canonical = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < sourceColumns.size(); i++) {
            String column = flavor.quoteIdentifier(sideColumns.get(i).name());
            String text = nativeText.get(i)
                    ? flavor.nativeText(column)
                    : flavor.canonical(column, kinds.get(i), sideColumns.get(i), targetScales.get(i));
            canonical.add(text);
            pieces.add(flavor.piece(text));
        }
        this.canonical = List.copyOf(canonical);
        this.keys = keyColumns.stream().map(flavor::quoteIdentifier).toList();
        List<String> names = sourceColumns.stream().map(ColumnType::name).toList();
        this.keyCanonical = keyColumns.stream().map(k -> canonical.get(names.indexOf(k))).toList();
        if (postgresOnBothSides) {
            // PostgreSQL on both sides: its record text is injective (NULL unquoted, '' quoted) and a 64-bit
            // hash of it is several times cheaper than MD5 and hex: the same statements on both sides
            this.digest = "hashtextextended(ROW(" + String.join(", ", canonical) + ")::text, 0)";
            this.digestNumber = digest;
        } else {
            this.digest = flavor.digest(pieces);
            this.digestNumber = flavor.digestNumber(digest);
        }
    }

    /** {@code min} and {@code max} of the key's first column. */
    String keyBounds() {
        return "SELECT min(" + keys.get(0) + "), max(" + keys.get(0) + ")" + from;
    }

    /** Per segment of {@code width} keys in [lo, hi): segment number, row count, sum of digests. */
    String segmentChecksums(BigInteger lo, BigInteger hi, BigInteger width) {
        String segment = flavor.segment(keys.get(0), lo.toString(), width.toString());
        return "SELECT " + segment + ", count(*), sum(" + digestNumber + ")" + from
                + range(lo, hi) + " GROUP BY 1";
    }

    /** Per row in [lo, hi) (every row if lo is null): the key's canonical texts, the key's values, the digest. */
    String digests(BigInteger lo, BigInteger hi) {
        return "SELECT " + String.join(", ", keyCanonical) + ", " + String.join(", ", keys) + ", " + digest + from
                + (lo == null ? "" : range(lo, hi));
    }

    /** Per row among {@code count} keys (bound in key order, key after key): key texts, key values, every column's text. */
    String rowsByKey(int count) {
        String oneKey = keys.stream().map(k -> k + " = ?").collect(Collectors.joining(" AND ", "(", ")"));
        List<String> anyKey = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            anyKey.add(oneKey);
        }
        return "SELECT " + String.join(", ", keyCanonical) + ", " + String.join(", ", keys) + ", "
                + String.join(", ", canonical) + from + " WHERE " + String.join(" OR ", anyKey);
    }

    /** Every row: key texts, key values, every column's text. */
    String allRows() {
        return "SELECT " + String.join(", ", keyCanonical) + ", " + String.join(", ", keys) + ", "
                + String.join(", ", canonical) + from;
    }

    int keySize() {
        return keys.size();
    }

    int columnCount() {
        return canonical.size();
    }

    private String range(BigInteger lo, BigInteger hi) {
        return " WHERE " + keys.get(0) + " >= " + lo + " AND " + keys.get(0) + " < " + hi;
    }
}
