CREATE TABLE orders_audit (
    seq BIGSERIAL PRIMARY KEY,
    op TEXT NOT NULL,
    id BIGINT NOT NULL,
    pos BIGINT NOT NULL,
    version INT
);
--;;
CREATE FUNCTION orders_audit_fn() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO orders_audit (op, id, pos, version) VALUES (TG_OP, OLD.id, OLD._tidemark_pos, OLD.version);
        RETURN OLD;
    END IF;
    INSERT INTO orders_audit (op, id, pos, version) VALUES (TG_OP, NEW.id, NEW._tidemark_pos, NEW.version);
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
--;;
CREATE TRIGGER orders_audit_trigger AFTER INSERT OR UPDATE OR DELETE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_audit_fn();
