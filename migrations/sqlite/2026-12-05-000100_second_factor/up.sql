-- A user's TOTP secret, sealed under a key derived from the service's secret key, so a dump
-- of the database alone gives no codes. Enrolled once confirmed with a code; the last step
-- accepted, so a code is taken once.
CREATE TABLE second_factors (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    sealed_secret TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    enrolled_at TIMESTAMP,
    last_step BIGINT
);

-- Recovery codes, each stored as the SHA-256 of a 50-bit random code, spent once.
CREATE TABLE recovery_codes (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_user_id_idx ON recovery_codes (user_id, code_hash);
