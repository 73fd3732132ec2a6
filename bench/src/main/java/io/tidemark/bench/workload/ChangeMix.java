package io.tidemark.bench.workload;

/** Shares of inserts, updates and deletes in percent, written {@code 50/40/10}. */
public record ChangeMix(int insertPercent, int updatePercent, int deletePercent) {

    public ChangeMix {
        if (insertPercent < 0 || updatePercent < 0 || deletePercent < 0
                || insertPercent + updatePercent + deletePercent != 100) {
            throw new IllegalArgumentException("the change mix must be three non-negative percentages adding up to 100,"
                    + " e.g. 50/40/10 (inserts/updates/deletes)");
        }
        if (insertPercent == 0) {
            throw new IllegalArgumentException("the change mix needs some inserts, or updates and deletes run out of rows");
        }
    }

    public static ChangeMix parse(String text) {
        String[] parts = text.trim().split("/");
        if (parts.length != 3) {
            throw new IllegalArgumentException("the change mix is written INSERTS/UPDATES/DELETES in percent, e.g. 50/40/10");
        }
        try {
            return new ChangeMix(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()),
                    Integer.parseInt(parts[2].trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the change mix is written INSERTS/UPDATES/DELETES in percent, e.g. 50/40/10");
        }
    }

    @Override
    public String toString() {
        return insertPercent + "/" + updatePercent + "/" + deletePercent;
    }
}
