-- Every list reads its page in the order of an index (no sort of the whole table), every
-- filter and scope a lookup: a page costs the same at 100,000 people as at 1,000.
CREATE INDEX breach_cases_created_idx ON breach_cases (created_at, id);
CREATE INDEX breach_cases_report_due_idx ON breach_cases (authority_report_due, id);
CREATE INDEX breach_cases_line_idx ON breach_cases (departure_line_id);
CREATE INDEX breach_steps_to_status_idx ON breach_steps (to_status, case_id);
CREATE INDEX clearance_changes_proposed_idx ON clearance_changes (proposed_at, id);
CREATE INDEX clearance_changes_proposer_idx ON clearance_changes (proposed_by);
CREATE INDEX departures_last_day_idx ON departures (last_working_day, id);
CREATE INDEX jobs_updated_idx ON jobs (updated_at, id);
CREATE INDEX obligation_extensions_requested_idx ON obligation_extensions (requested_at, id);
CREATE INDEX obligations_order_idx ON obligations ((ends_on IS NULL), ends_on, id);
CREATE INDEX reminders_due_idx ON reminders (due_at, id);
CREATE INDEX trips_requested_idx ON trips (requested_at DESC, id ASC);
CREATE INDEX employees_tier_idx ON employees (clearance_tier);
