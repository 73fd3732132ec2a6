-- Records every write of an orders row at or below the table's truncation mark, as seen by the
-- writing transaction: after a truncate has been applied, no change from before it may land.
CREATE TABLE orders_late_writes (id BIGINT NOT NULL, pos BIGINT NOT NULL, mark BIGINT NOT NULL);
--;;
CREATE FUNCTION orders_late_writes_fn() RETURNS trigger AS $$
DECLARE
    mark BIGINT;
BEGIN
    SELECT pos INTO mark FROM _tidemark_truncations WHERE table_name = 'public.orders';
    IF mark IS NOT NULL AND NEW._tidemark_pos <= mark THEN
        INSERT INTO orders_late_writes (id, pos, mark) VALUES (NEW.id, NEW._tidemark_pos, mark);
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
--;;
CREATE TRIGGER orders_late_writes_trigger AFTER INSERT OR UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION orders_late_writes_fn();
