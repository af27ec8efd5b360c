ALTER TABLE pledges DROP COLUMN scan_id;
ALTER TABLE departures DROP COLUMN exit_notice_recorded_by;
ALTER TABLE departures DROP COLUMN exit_notice_scan_id;
ALTER TABLE departures DROP COLUMN exit_notice_signed_on;
DROP INDEX paper_scans_employee_idx;
DROP TABLE paper_scans;
