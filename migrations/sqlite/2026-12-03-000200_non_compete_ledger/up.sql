-- A ledger of amounts (Labor Contract Law art. 23). Payments name the term month (1..=N,
-- counted from the term's first day) instead of a calendar month; a month may have several
-- payments; a wrong one is reversed with a reason, never deleted.
ALTER TABLE non_compete_payments ADD COLUMN term_month INTEGER NOT NULL DEFAULT 0;
-- An old payment paid the i-th calendar month the term touched: it now pays the i-th term
-- month, the one beginning in that calendar month (the last calendar month of a term not
-- beginning on the 1st has none: it goes to the last term month).
UPDATE non_compete_payments SET term_month = (
    SELECT MIN(
        (CAST(substr(non_compete_payments.month, 1, 4) AS INTEGER) * 12
            + CAST(substr(non_compete_payments.month, 6, 2) AS INTEGER))
        - (CAST(strftime('%Y', o.starts_on) AS INTEGER) * 12
            + CAST(strftime('%m', o.starts_on) AS INTEGER)) + 1,
        (CAST(strftime('%Y', COALESCE(o.ends_on, o.starts_on)) AS INTEGER) * 12
            + CAST(strftime('%m', COALESCE(o.ends_on, o.starts_on)) AS INTEGER))
        - (CAST(strftime('%Y', o.starts_on) AS INTEGER) * 12
            + CAST(strftime('%m', o.starts_on) AS INTEGER))
        + CASE WHEN CAST(strftime('%d', o.starts_on) AS INTEGER) = 1 THEN 1 ELSE 0 END)
    FROM obligations o WHERE o.id = non_compete_payments.obligation_id);
DROP INDEX non_compete_payments_month_key;
ALTER TABLE non_compete_payments DROP COLUMN month;
ALTER TABLE non_compete_payments ADD COLUMN reversed_at TIMESTAMP;
ALTER TABLE non_compete_payments ADD COLUMN reversed_by TEXT REFERENCES users (id);
ALTER TABLE non_compete_payments ADD COLUMN reversal_reason TEXT;
CREATE INDEX non_compete_payments_obligation_idx ON non_compete_payments (obligation_id, term_month);

-- What a non-compete owes, fixed when the departure completes: the monthly amount agreed for
-- that contract, the days after a month's end it falls due, the last day it ran when it ended
-- early (waiver, rescission, rehire) and the months a waiver during the term owes on top.
CREATE TABLE non_compete_ledgers (
    obligation_id TEXT PRIMARY KEY REFERENCES obligations (id),
    monthly_compensation BIGINT NOT NULL,
    currency TEXT NOT NULL,
    due_after_days INTEGER NOT NULL,
    ended_on DATE,
    extra_months INTEGER NOT NULL DEFAULT 0
);
-- Existing non-competes keep what they owed: the agreement's amount; a waiver its three
-- months; a rescission or a rehire (superseded) the months before it.
INSERT INTO non_compete_ledgers (obligation_id, monthly_compensation, currency, due_after_days,
    ended_on, extra_months)
SELECT o.id, a.monthly_compensation, a.currency, 15,
    CASE o.status
        WHEN 'waived' THEN date(o.updated_at)
        WHEN 'rescinded' THEN date(o.updated_at)
        WHEN 'superseded' THEN date(o.updated_at, '-1 day')
        ELSE NULL END,
    CASE WHEN o.status = 'waived' THEN 3 ELSE 0 END
FROM obligations o JOIN non_compete_agreements a ON a.employee_id = o.employee_id
WHERE o.kind = 'non_compete';
