DROP INDEX obligations_status_kind_idx;
DROP TABLE reminders;
DROP TABLE schedule_marks;
DROP TABLE jobs;
