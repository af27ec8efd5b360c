-- Where former employees work now (离职去向): the competitor list HR keeps, and each new
-- employer recorded by HR or reported by the person through their link, with its kind and
-- the obligation and breach case it opened when the running restrictions forbid it.
CREATE TABLE competitors (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    credit_code TEXT,
    added_by TEXT NOT NULL REFERENCES users (id),
    added_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX competitors_name_key_idx ON competitors (name_key);

CREATE TABLE whereabouts (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    employer TEXT NOT NULL,
    employer_key TEXT NOT NULL,
    post TEXT NOT NULL,
    credit_code TEXT,
    kind TEXT NOT NULL,
    kind_by_hand BOOLEAN NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE,
    recorded_by TEXT REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    obligation_id TEXT REFERENCES obligations (id),
    breach_case_id TEXT REFERENCES breach_cases (id)
);
CREATE INDEX whereabouts_employee_idx ON whereabouts (employee_id, starts_on);
CREATE INDEX whereabouts_breach_idx ON whereabouts (employee_id, employer_key, obligation_id);
