-- What a browser form sent, kept between the answer that redirects and the page it redirects
-- to: the message after an action, or the fields at fault with everything that was typed.
-- Read once; rows older than an hour are removed.
CREATE TABLE flashes (
    id TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX flashes_created_idx ON flashes (created_at);
