DROP INDEX reminders_status_kind_idx;
DROP INDEX departures_status_idx;
CREATE INDEX departures_status_idx ON departures (status, last_working_day);
DROP INDEX obligations_ends_on_idx;
CREATE INDEX obligations_ends_on_idx ON obligations (ends_on);
