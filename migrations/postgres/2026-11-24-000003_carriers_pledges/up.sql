-- Carriers of secret information (载体) and who holds them.
CREATE TABLE carriers (
    id TEXT PRIMARY KEY,
    tag TEXT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    classification TEXT NOT NULL,
    copies INTEGER NOT NULL,
    custodian_id TEXT REFERENCES employees (id),
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX carriers_tag_key ON carriers (tag);
CREATE INDEX carriers_custodian_idx ON carriers (custodian_id, tag);
CREATE INDEX carriers_status_idx ON carriers (status, tag);

CREATE TABLE carrier_events (
    id TEXT PRIMARY KEY,
    carrier_id TEXT NOT NULL REFERENCES carriers (id),
    event TEXT NOT NULL,
    from_custodian_id TEXT REFERENCES employees (id),
    to_custodian_id TEXT REFERENCES employees (id),
    at TIMESTAMP NOT NULL,
    actor_id TEXT NOT NULL REFERENCES users (id),
    note TEXT NOT NULL,
    approver_id TEXT REFERENCES users (id),
    witness_1_id TEXT REFERENCES employees (id),
    witness_2_id TEXT REFERENCES employees (id)
);
CREATE INDEX carrier_events_carrier_idx ON carrier_events (carrier_id, at);

-- Confidentiality pledges (保密承诺书): versioned texts, and who signed which.
CREATE TABLE pledge_texts (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    title_zh TEXT NOT NULL,
    body_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_en TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id)
);
CREATE UNIQUE INDEX pledge_texts_kind_version_key ON pledge_texts (kind, version);

CREATE TABLE pledges (
    id TEXT PRIMARY KEY,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    pledge_text_id TEXT NOT NULL REFERENCES pledge_texts (id),
    kind TEXT NOT NULL,
    method TEXT NOT NULL,
    signed_on DATE NOT NULL,
    typed_name TEXT,
    scan_ref TEXT,
    refusal_reason TEXT,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX pledges_employee_idx ON pledges (employee_id, kind, method);
