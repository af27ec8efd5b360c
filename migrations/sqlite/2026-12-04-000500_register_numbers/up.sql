-- Each departure's handover register (移交登记表) has a number, sequential per year and never
-- reused: `2026-0042` is year 2026, seq 42. Assigned when the departure starts; departures
-- started before this are numbered in the order they started, by the year (UTC) they started.
ALTER TABLE departures ADD COLUMN register_year INTEGER NOT NULL DEFAULT 0;
ALTER TABLE departures ADD COLUMN register_seq INTEGER NOT NULL DEFAULT 0;
UPDATE departures SET register_year = CAST(strftime('%Y', started_at) AS INTEGER);
UPDATE departures SET register_seq = (
  SELECT COUNT(*) FROM departures AS earlier
  WHERE earlier.register_year = departures.register_year
    AND (earlier.started_at < departures.started_at
      OR (earlier.started_at = departures.started_at AND earlier.id <= departures.id)));
CREATE UNIQUE INDEX departures_register_no ON departures (register_year, register_seq);
