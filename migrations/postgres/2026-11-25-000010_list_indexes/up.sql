-- Lists and the dashboard by end date whatever the status (obligations ending within N days).
CREATE INDEX obligations_ends_on_idx ON obligations (ends_on);
