-- A departure (离职): from the notice to the last working day, with its checklist.
CREATE TABLE departures (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    notice_date DATE NOT NULL,
    last_working_day DATE NOT NULL,
    reason TEXT NOT NULL,
    successor_id TEXT REFERENCES employees (id),
    status TEXT NOT NULL,
    started_by TEXT NOT NULL REFERENCES users (id),
    started_at TIMESTAMP NOT NULL,
    completed_by TEXT REFERENCES users (id),
    completed_at TIMESTAMP,
    override_reason TEXT
);
CREATE INDEX departures_employee_idx ON departures (employee_id, status);
CREATE INDEX departures_status_idx ON departures (status, last_working_day);

-- One line per carrier held and per standard step.
CREATE TABLE departure_lines (
    id TEXT PRIMARY KEY,
    departure_id TEXT NOT NULL REFERENCES departures (id),
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    carrier_id TEXT REFERENCES carriers (id),
    title TEXT NOT NULL,
    expected_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    counted INTEGER,
    note TEXT NOT NULL,
    handed_to_id TEXT REFERENCES employees (id),
    confirmed_by TEXT REFERENCES users (id),
    confirmed_at TIMESTAMP,
    received_by TEXT REFERENCES users (id),
    received_at TIMESTAMP
);
CREATE INDEX departure_lines_departure_idx ON departure_lines (departure_id, position);
CREATE INDEX departure_lines_status_idx ON departure_lines (status, departure_id);

-- What a person still owes after leaving.
CREATE TABLE obligations (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    kind TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE,
    status TEXT NOT NULL,
    tier TEXT,
    departure_id TEXT REFERENCES departures (id),
    post_exit_id TEXT REFERENCES post_exits (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX obligations_employee_idx ON obligations (employee_id, kind);
CREATE INDEX obligations_status_end_idx ON obligations (status, ends_on);
