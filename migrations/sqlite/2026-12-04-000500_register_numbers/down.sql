DROP INDEX departures_register_no;
ALTER TABLE departures DROP COLUMN register_seq;
ALTER TABLE departures DROP COLUMN register_year;
