UPDATE policy_versions SET body = (
    (body::jsonb - 'minimum_wages')
    || jsonb_build_object('minimum_monthly_wage', COALESCE((
        SELECT MAX((w ->> 'monthly_minor_units')::bigint)
        FROM jsonb_array_elements(COALESCE(body::jsonb -> 'minimum_wages', '[]'::jsonb)) w
        WHERE w ->> 'region' = '*'), 0))
)::text;
ALTER TABLE non_compete_agreements DROP COLUMN average_monthly_wage;
ALTER TABLE non_compete_agreements DROP COLUMN contract_region;
UPDATE non_compete_agreements SET monthly_compensation = 0 WHERE monthly_compensation IS NULL;
ALTER TABLE non_compete_agreements ALTER COLUMN monthly_compensation SET NOT NULL;
