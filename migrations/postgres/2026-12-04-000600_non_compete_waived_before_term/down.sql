ALTER TABLE departures DROP COLUMN non_compete_waiver_reason;
ALTER TABLE departures DROP COLUMN non_compete_waived_by;
ALTER TABLE departures DROP COLUMN non_compete_waived_at;
