-- A session row per sign-in: the cookie carries only a random secret, stored here as its
-- SHA-256, so ending the row ends the session whatever copies of the cookie exist.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    address TEXT,
    user_agent TEXT
);
CREATE UNIQUE INDEX sessions_token_hash_key ON sessions (token_hash);
CREATE INDEX sessions_user_id_idx ON sessions (user_id, ended_at);

-- API tokens expire; those made before expiry existed get the default 90 days from creation.
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE api_tokens SET expires_at = datetime(created_at, '+90 days');
