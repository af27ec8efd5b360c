-- When a job's work was due: a message refused for now is tried again until a horizon after
-- it. Jobs queued before this kept no such time; the time they were queued stands for it.
ALTER TABLE jobs ADD COLUMN due_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
UPDATE jobs SET due_at = created_at;
-- Open jobs were queued with 20 attempts, which the horizon now replaces.
UPDATE jobs SET max_attempts = 10000 WHERE state IN ('queued', 'running');
