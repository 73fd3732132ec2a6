-- Records, at the commit of every sink transaction that touches accounts, the total balance and the
-- number of accounts the transaction left: a deferred constraint trigger runs at commit and sees the
-- transaction's final state. Source transactions only move money between accounts, so a total other
-- than the seeded one is a state the source never had.
CREATE TABLE account_totals (seq BIGSERIAL PRIMARY KEY, total BIGINT NOT NULL, accounts BIGINT NOT NULL, xid BIGINT NOT NULL);
--;;
CREATE FUNCTION account_totals_fn() RETURNS trigger AS $$
BEGIN
    INSERT INTO account_totals (total, accounts, xid)
        SELECT coalesce(sum(balance), 0), count(*), txid_current() FROM accounts;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
--;;
CREATE CONSTRAINT TRIGGER accounts_totals AFTER INSERT OR UPDATE OR DELETE ON accounts
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION account_totals_fn();
