-- Indexes that give each list's first page in its default order without sorting every match,
-- and that count the start page's reminders from the index alone (a reminder row carries its
-- whole message, so counting from the table reads every message).
DROP INDEX obligations_ends_on_idx;
CREATE INDEX obligations_ends_on_idx ON obligations (ends_on, id);
DROP INDEX departures_status_idx;
CREATE INDEX departures_status_idx ON departures (status, last_working_day, id);
CREATE INDEX reminders_status_kind_idx ON reminders (status, kind);
