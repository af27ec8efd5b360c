-- Each change of the policy is a new version; the highest is in force.
CREATE TABLE policy_versions (
    version INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id)
);

-- A non-compete agreement, agreed before the departure.
CREATE TABLE non_compete_agreements (
    employee_id TEXT PRIMARY KEY REFERENCES employees (id),
    months INTEGER NOT NULL,
    monthly_compensation BIGINT NOT NULL,
    currency TEXT NOT NULL,
    scope TEXT NOT NULL,
    region TEXT NOT NULL,
    warning TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id)
);

-- Compensation paid for a month of a non-compete.
CREATE TABLE non_compete_payments (
    id TEXT PRIMARY KEY,
    obligation_id TEXT NOT NULL REFERENCES obligations (id),
    month TEXT NOT NULL,
    amount BIGINT NOT NULL,
    paid_on DATE NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX non_compete_payments_month_key ON non_compete_payments (obligation_id, month);

-- Extending a declassification period: requested with a reason, approved by security.
CREATE TABLE obligation_extensions (
    id TEXT PRIMARY KEY,
    obligation_id TEXT NOT NULL REFERENCES obligations (id),
    new_end DATE NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT
);
CREATE INDEX obligation_extensions_obligation_idx ON obligation_extensions (obligation_id, requested_at);
CREATE INDEX obligation_extensions_status_idx ON obligation_extensions (status);
