ALTER TABLE departures DROP COLUMN left_post_approved_by;
ALTER TABLE departures DROP COLUMN left_post_on;
