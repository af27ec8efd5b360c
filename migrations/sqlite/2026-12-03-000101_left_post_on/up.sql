-- The 脱密期 starts on leaving the classified post, never on the notice date: a departure
-- records the day the person left the post (by default the last working day), and who
-- approved an earlier one. Departures recorded before keep their meaning: under a policy whose
-- anchor was the notice date, the period ran from the notice, so that is the day kept.
ALTER TABLE departures ADD COLUMN left_post_on DATE NOT NULL DEFAULT '2000-01-01';
ALTER TABLE departures ADD COLUMN left_post_approved_by TEXT;
UPDATE departures SET left_post_on = CASE
    WHEN EXISTS (
        SELECT 1 FROM policy_versions
        WHERE version = (SELECT MAX(version) FROM policy_versions)
          AND (body LIKE '%"anchor":"notice_date"%' OR body LIKE '%"anchor": "notice_date"%')
    ) THEN notice_date
    ELSE last_working_day
END;
