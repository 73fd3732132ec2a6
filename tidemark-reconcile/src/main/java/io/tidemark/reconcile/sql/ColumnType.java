package io.tidemark.reconcile.sql;

import java.util.Locale;

/**
 * One column of a table as its own database describes it: PostgreSQL's type name ({@code udt_name}:
 * {@code int8}, {@code timestamptz}, {@code _int4} for arrays) or MySQL's ({@code DATA_TYPE}), the
 * declared scale of a decimal (null when unconstrained) and the width of a bit string.
 */
public record ColumnType(String name, String type, Integer scale, Integer width) {

    public ColumnType {
        type = type.toLowerCase(Locale.ROOT);
    }

    /** The kind of a source column. */
    public ColumnKind kind(SqlFlavor flavor) {
        return flavor == SqlFlavor.POSTGRES ? postgresKind() : mysqlKind();
    }

    private ColumnKind postgresKind() {
        if (type.startsWith("_")) {
            return ColumnKind.ARRAY;
        }
        return switch (type) {
            case "int2", "int4", "int8", "oid" -> ColumnKind.INTEGER;
            case "numeric", "money" -> ColumnKind.DECIMAL;
            case "float4" -> ColumnKind.FLOAT4;
            case "float8" -> ColumnKind.FLOAT8;
            case "bool" -> ColumnKind.BOOLEAN;
            case "date" -> ColumnKind.DATE;
            case "time" -> ColumnKind.TIME;
            case "timestamp" -> ColumnKind.TIMESTAMP;
            case "timestamptz" -> ColumnKind.TIMESTAMP_UTC;
            case "bytea" -> ColumnKind.BYTES;
            case "json", "jsonb" -> ColumnKind.JSON;
            default -> ColumnKind.TEXT;
        };
    }

    private ColumnKind mysqlKind() {
        return switch (type) {
            case "tinyint", "smallint", "mediumint", "int", "integer", "bigint", "year" -> ColumnKind.INTEGER;
            case "decimal", "numeric" -> ColumnKind.DECIMAL;
            case "float" -> ColumnKind.FLOAT4_SHOWN;
            case "double", "real" -> ColumnKind.FLOAT8;
            case "bit" -> width != null && width == 1 ? ColumnKind.BOOLEAN : ColumnKind.TEXT;
            case "date" -> ColumnKind.DATE;
            case "time" -> ColumnKind.TIME;
            case "datetime" -> ColumnKind.TIMESTAMP;
            case "timestamp" -> ColumnKind.TIMESTAMP_UTC;
            case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob" -> ColumnKind.BYTES;
            case "json" -> ColumnKind.JSON;
            default -> ColumnKind.TEXT;
        };
    }
}
