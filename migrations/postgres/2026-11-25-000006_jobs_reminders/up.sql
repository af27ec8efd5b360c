-- The durable job queue. A unique key makes a second enqueue of the same work a no-op.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    unique_key TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    max_attempts INTEGER NOT NULL,
    run_at TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    locked_by TEXT,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key);
CREATE INDEX jobs_due_idx ON jobs (state, run_at);

-- How far each schedule has been looked at: slots after this instant are still to come.
CREATE TABLE schedule_marks (
    name TEXT PRIMARY KEY,
    checked_until TIMESTAMP NOT NULL
);

-- One message to one person for one occasion; the unique key (recipient, occasion, period)
-- means planning twice cannot send twice. The sent bytes are kept as evidence.
CREATE TABLE reminders (
    id TEXT PRIMARY KEY,
    unique_key TEXT NOT NULL,
    employee_id TEXT REFERENCES employees (id),
    user_id TEXT REFERENCES users (id),
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    due_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    to_address TEXT,
    message_id TEXT,
    sent_at TIMESTAMP,
    server_reply TEXT,
    message BYTEA,
    message_sha256 TEXT,
    last_error TEXT,
    acknowledged_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX reminders_unique_key ON reminders (unique_key);
CREATE INDEX reminders_occasion_idx ON reminders (kind, period);
CREATE INDEX reminders_employee_idx ON reminders (employee_id, due_at);
CREATE INDEX reminders_status_idx ON reminders (status, due_at);

-- Planning scans active obligations by kind.
CREATE INDEX obligations_status_kind_idx ON obligations (status, kind, employee_id);
