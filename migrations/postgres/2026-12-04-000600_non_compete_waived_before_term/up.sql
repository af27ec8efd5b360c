-- The company may waive the non-compete on or before the last working day (SPC
-- Interpretation (I) art. 39): nothing extra is owed and the non-compete never runs. The
-- waiver is kept on the departure until its completion takes effect.
ALTER TABLE departures ADD COLUMN non_compete_waived_at TIMESTAMP;
ALTER TABLE departures ADD COLUMN non_compete_waived_by TEXT;
ALTER TABLE departures ADD COLUMN non_compete_waiver_reason TEXT;
