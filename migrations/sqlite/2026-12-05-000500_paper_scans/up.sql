-- Scans of documents signed on paper (the exit notice, a pledge, the exit interview record),
-- kept with their SHA-256 like a case's evidence, and served to HR and security only.
CREATE TABLE paper_scans (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    added_by TEXT NOT NULL,
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX paper_scans_employee_idx ON paper_scans (employee_id, added_at);

-- The printed exit notice signed at the exit interview: the day and its scan.
ALTER TABLE departures ADD COLUMN exit_notice_signed_on DATE;
ALTER TABLE departures ADD COLUMN exit_notice_scan_id TEXT;
ALTER TABLE departures ADD COLUMN exit_notice_recorded_by TEXT;

-- A pledge signed on paper keeps its scan (scan_ref stays for the references typed before).
ALTER TABLE pledges ADD COLUMN scan_id TEXT;
