-- A filing of the list of classified personnel with the entry-exit administration (出入境备案):
-- when it was sent and its reference, and who was on it with the date each is to be removed,
-- so the next filing sends only what changed since.
CREATE TABLE entry_exit_filings (
    id TEXT PRIMARY KEY,
    filed_on DATE NOT NULL,
    reference TEXT NOT NULL,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX entry_exit_filings_recorded_idx ON entry_exit_filings (recorded_at);

CREATE TABLE entry_exit_filing_entries (
    filing_id TEXT NOT NULL REFERENCES entry_exit_filings (id),
    employee_id TEXT NOT NULL REFERENCES employees (id),
    remove_on DATE,
    PRIMARY KEY (filing_id, employee_id)
);
