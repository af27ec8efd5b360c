-- Travel abroad of classified personnel and of people in their declassification period
-- (Law on Guarding State Secrets art. 45, 46): the request, security's decision, a unit
-- leader's second approval where the tier needs one, the return; a trip taken without
-- approval is kept too, with the breach case it opened.
CREATE TABLE trips (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    countries TEXT NOT NULL,
    purpose TEXT NOT NULL,
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    invited_by TEXT NOT NULL,
    status TEXT NOT NULL,
    tier TEXT NOT NULL,
    needs_second_approval BOOLEAN NOT NULL,
    requested_by TEXT REFERENCES users (id),
    requested_at TIMESTAMP NOT NULL,
    decided_by TEXT REFERENCES users (id),
    decided_at TIMESTAMP,
    decision_reason TEXT,
    second_by TEXT REFERENCES users (id),
    second_at TIMESTAMP,
    second_reason TEXT,
    returned_on DATE,
    return_recorded_by TEXT REFERENCES users (id),
    breach_case_id TEXT REFERENCES breach_cases (id)
);
CREATE INDEX trips_employee_idx ON trips (employee_id, starts_on);
CREATE INDEX trips_status_idx ON trips (status, ends_on);

-- Passports and permits held by security (证照集中保管), and each move of one: registered,
-- handed out for a trip, taken back, given back to the person at the end of their period.
CREATE TABLE travel_documents (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    expires_on DATE NOT NULL,
    status TEXT NOT NULL,
    trip_id TEXT REFERENCES trips (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX travel_documents_employee_idx ON travel_documents (employee_id);
CREATE TABLE travel_document_moves (
    id TEXT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES travel_documents (id),
    action TEXT NOT NULL,
    trip_id TEXT REFERENCES trips (id),
    moved_on DATE NOT NULL,
    moved_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX travel_document_moves_document_idx ON travel_document_moves (document_id, recorded_at);
