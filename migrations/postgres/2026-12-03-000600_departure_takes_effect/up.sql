-- A completion recorded before the end of the last working day takes effect at 24:00 of that
-- day, company time: `takes_effect_at` is when it takes (or took) effect, `in_effect` whether
-- it has. Departures completed before this took effect when they were completed.
ALTER TABLE departures ADD COLUMN takes_effect_at TIMESTAMP;
ALTER TABLE departures ADD COLUMN in_effect BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE departures SET takes_effect_at = completed_at, in_effect = TRUE WHERE status = 'completed';
