ALTER TABLE departures DROP COLUMN in_effect;
ALTER TABLE departures DROP COLUMN takes_effect_at;
