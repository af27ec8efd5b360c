-- A row per import that writes: how many of its rows are written so far, so the import page
-- (and anyone else) sees how far a large file is while it is written batch by batch.
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    started_by TEXT REFERENCES users (id),
    state TEXT NOT NULL,
    total INTEGER NOT NULL,
    done INTEGER NOT NULL,
    started_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX imports_started_at_idx ON imports (started_at);
