-- A breach case (泄密): reported by someone (named or anonymous) or opened for a loss at a
-- departure. The reporter is known to security and admin only; the secret (stored hashed)
-- lets an anonymous reporter follow their own report and nothing else.
CREATE TABLE breach_cases (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    source TEXT NOT NULL,
    reporter_user_id TEXT REFERENCES users (id),
    reporter_contact TEXT NOT NULL,
    person TEXT NOT NULL,
    employee_id TEXT REFERENCES employees (id),
    obligation_id TEXT REFERENCES obligations (id),
    departure_line_id TEXT REFERENCES departure_lines (id),
    what TEXT NOT NULL,
    discovered_on DATE,
    carriers TEXT NOT NULL,
    status TEXT NOT NULL,
    severity TEXT,
    fault TEXT,
    gravity TEXT,
    caused_loss BOOLEAN,
    suggested TEXT,
    decision TEXT,
    state_secret BOOLEAN NOT NULL,
    authority_report_due DATE,
    reward TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX breach_cases_code_key ON breach_cases (code);
CREATE INDEX breach_cases_status_idx ON breach_cases (status, created_at);
CREATE INDEX breach_cases_employee_idx ON breach_cases (employee_id, status);

-- Each step of a case, by security, with its reason.
CREATE TABLE breach_steps (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES breach_cases (id),
    at TIMESTAMP NOT NULL,
    actor_id TEXT REFERENCES users (id),
    from_status TEXT,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX breach_steps_case_idx ON breach_steps (case_id, at);

-- What the reporter added later, through their code and secret.
CREATE TABLE breach_additions (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES breach_cases (id),
    at TIMESTAMP NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX breach_additions_case_idx ON breach_additions (case_id, at);

-- Evidence files, readable by security only.
CREATE TABLE breach_evidence (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES breach_cases (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes BLOB NOT NULL,
    added_at TIMESTAMP NOT NULL
);
CREATE INDEX breach_evidence_case_idx ON breach_evidence (case_id, added_at);

-- Remedial measures: a task with an owner and a due date.
CREATE TABLE remedial_tasks (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES breach_cases (id),
    title TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    due_on DATE NOT NULL,
    done_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX remedial_tasks_case_idx ON remedial_tasks (case_id, due_on);
CREATE INDEX remedial_tasks_owner_idx ON remedial_tasks (owner_id, done_at);
