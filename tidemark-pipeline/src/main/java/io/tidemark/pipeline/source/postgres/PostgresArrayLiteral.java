package io.tidemark.pipeline.source.postgres;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Reads a PostgreSQL array in its text form ({@code {{1,2},{3,NULL}}}, {@code {"a b","c\"d"}}) into
 * nested lists, one level per dimension, so that arrays of any dimension reach the sinks whole
 * (Debezium's converter knows one dimension and turns the elements of a deeper array into NULLs).
 * Elements become the values of {@link io.tidemark.pipeline.event.RowValues}: integers, floats,
 * numerics (NaN and ±Infinity as text), booleans and bytea as such, every other type as its
 * PostgreSQL text, which a PostgreSQL sink reads back exactly.
 */
public final class PostgresArrayLiteral {

    private final String text;
    private final String elementType;
    private int at;

    private PostgresArrayLiteral(String text, String elementType) {
        this.text = text;
        this.elementType = elementType;
    }

    /**
     * @param elementType the element's type name as PostgreSQL's catalog writes it ({@code int4},
     *     {@code text}, …)
     */
    public static List<Object> parse(String text, String elementType) {
        PostgresArrayLiteral parser = new PostgresArrayLiteral(text, elementType);
        // an array with lower bounds other than 1 starts with its bounds: [0:1]={…}
        int equals = text.startsWith("[") ? text.indexOf('=') : -1;
        parser.at = equals + 1;
        List<Object> array = parser.array();
        if (parser.at != text.length()) {
            throw parser.malformed("text after the array's closing brace");
        }
        return array;
    }

    private List<Object> array() {
        expect('{');
        List<Object> elements = new ArrayList<>();
        if (peek() == '}') {
            at++;
            return elements;
        }
        while (true) {
            char c = peek();
            if (c == '{') {
                elements.add(array());
            } else if (c == '"') {
                elements.add(element(quoted()));
            } else {
                String raw = unquoted();
                elements.add(raw.equalsIgnoreCase("NULL") ? null : element(raw));
            }
            char next = next();
            if (next == '}') {
                return elements;
            }
            if (next != ',') {
                throw malformed("expected ',' or '}' at " + (at - 1));
            }
        }
    }

    private String quoted() {
        StringBuilder out = new StringBuilder();
        at++; // the opening quote
        while (true) {
            char c = next();
            if (c == '"') {
                return out.toString();
            }
            out.append(c == '\\' ? next() : c);
        }
    }

    private String unquoted() {
        int start = at;
        while (peek() != ',' && peek() != '}') {
            at++;
        }
        return text.substring(start, at).strip();
    }

    private Object element(String raw) {
        switch (elementType) {
            case "int2":
                return Short.valueOf(raw);
            case "int4":
                return Integer.valueOf(raw);
            case "int8":
                return Long.valueOf(raw);
            case "float4":
                return Float.valueOf(raw);
            case "float8":
                return Double.valueOf(raw);
            case "bool":
                return raw.equals("t") || raw.equals("true");
            case "numeric":
                return PostgresValueConverters.numericValue(raw);
            case "bytea":
                return HexFormat.of().parseHex(raw.substring(2));
            default:
                return raw;
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw malformed("ends early");
        }
        return text.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw malformed("expected '" + c + "' at " + at);
        }
        at++;
    }

    private IllegalArgumentException malformed(String what) {
        return new IllegalArgumentException("cannot read PostgreSQL " + elementType + " array: " + what);
    }
}
