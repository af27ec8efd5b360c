-- Back to one payment per calendar month: reversed payments go, each term month becomes the
-- calendar month it begins in.
DROP TABLE non_compete_ledgers;
DELETE FROM non_compete_payments WHERE reversed_at IS NOT NULL;
DROP INDEX non_compete_payments_obligation_idx;
ALTER TABLE non_compete_payments DROP COLUMN reversal_reason;
ALTER TABLE non_compete_payments DROP COLUMN reversed_by;
ALTER TABLE non_compete_payments DROP COLUMN reversed_at;
ALTER TABLE non_compete_payments ADD COLUMN month TEXT NOT NULL DEFAULT '';
UPDATE non_compete_payments SET month = (
    SELECT strftime('%Y-%m', date(o.starts_on, 'start of month',
        '+' || (non_compete_payments.term_month - 1) || ' months'))
    FROM obligations o WHERE o.id = non_compete_payments.obligation_id);
ALTER TABLE non_compete_payments DROP COLUMN term_month;
-- Several payments of one month become one of their sum, as the old ledger kept it.
UPDATE non_compete_payments SET amount = (
    SELECT SUM(p2.amount) FROM non_compete_payments p2
    WHERE p2.obligation_id = non_compete_payments.obligation_id
      AND p2.month = non_compete_payments.month);
DELETE FROM non_compete_payments WHERE id NOT IN (
    SELECT MIN(id) FROM non_compete_payments GROUP BY obligation_id, month);
CREATE UNIQUE INDEX non_compete_payments_month_key ON non_compete_payments (obligation_id, month);
