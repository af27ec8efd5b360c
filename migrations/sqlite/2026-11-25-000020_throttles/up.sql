-- Failed attempts by scope (sign-in by account, by address, link requests, …) and subject, kept in
-- the database so that every instance counts the same failures. Rows whose window has passed
-- are removed as new failures come in.
CREATE TABLE throttles (
    scope TEXT NOT NULL,
    subject TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, subject)
);
CREATE INDEX throttles_last_at_idx ON throttles (scope, last_at);
