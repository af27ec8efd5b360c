-- The exit interview record (离职保密谈话记录): one a departure, recorded by HR. The topics
-- covered are kept as they were worded that day (JSON: [{"zh": ..., "en": ...}]).
CREATE TABLE exit_interviews (
    departure_id TEXT PRIMARY KEY REFERENCES departures (id),
    held_by TEXT NOT NULL,
    held_on DATE NOT NULL,
    topics TEXT NOT NULL,
    statement TEXT NOT NULL,
    signed BOOLEAN NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
