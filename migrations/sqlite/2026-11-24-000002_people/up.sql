CREATE TABLE employees (
    id TEXT PRIMARY KEY,
    employee_no TEXT NOT NULL,
    name TEXT NOT NULL,
    work_email TEXT,
    private_email TEXT,
    language TEXT NOT NULL,
    department TEXT NOT NULL,
    title TEXT NOT NULL,
    manager_id TEXT REFERENCES employees (id),
    hire_date DATE,
    status TEXT NOT NULL,
    clearance_tier TEXT NOT NULL,
    -- Lower-cased name, number and emails: one LIKE serves search on both backends.
    search_text TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX employees_employee_no_key ON employees (employee_no);
CREATE INDEX employees_manager_id_idx ON employees (manager_id);
CREATE INDEX employees_department_idx ON employees (department, name);
CREATE INDEX employees_status_tier_idx ON employees (status, clearance_tier);
CREATE INDEX employees_name_idx ON employees (name);

CREATE TABLE clearance_changes (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    from_tier TEXT NOT NULL,
    to_tier TEXT NOT NULL,
    status TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES users (id),
    proposed_at TIMESTAMP NOT NULL,
    proposal_reason TEXT NOT NULL,
    reviewed_by TEXT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    review_reason TEXT,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    effective_on DATE
);
CREATE INDEX clearance_changes_employee_idx ON clearance_changes (employee_id, proposed_at);
CREATE INDEX clearance_changes_status_idx ON clearance_changes (status, proposed_at);

-- Leaving a classified post (脱离涉密岗位): a lowered or removed tier, or a departure.
CREATE TABLE post_exits (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    left_on DATE NOT NULL,
    tier_held TEXT NOT NULL,
    new_tier TEXT NOT NULL,
    cause TEXT NOT NULL,
    clearance_change_id TEXT REFERENCES clearance_changes (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX post_exits_employee_idx ON post_exits (employee_id, left_on);
