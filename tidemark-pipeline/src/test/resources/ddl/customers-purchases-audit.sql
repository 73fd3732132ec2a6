CREATE TABLE audit (seq BIGSERIAL PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, id BIGINT NOT NULL, pos BIGINT NOT NULL);
--;;
CREATE FUNCTION audit_fn() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO audit (tbl, op, id, pos) VALUES (TG_TABLE_NAME, TG_OP, OLD.id, OLD._tidemark_pos);
        RETURN OLD;
    END IF;
    INSERT INTO audit (tbl, op, id, pos) VALUES (TG_TABLE_NAME, TG_OP, NEW.id, NEW._tidemark_pos);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
--;;
CREATE TRIGGER customers_audit AFTER INSERT OR UPDATE OR DELETE ON customers FOR EACH ROW EXECUTE FUNCTION audit_fn();
--;;
CREATE TRIGGER purchases_audit AFTER INSERT OR UPDATE OR DELETE ON purchases FOR EACH ROW EXECUTE FUNCTION audit_fn();
