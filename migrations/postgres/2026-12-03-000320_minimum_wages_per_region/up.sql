-- The policy's one minimum wage becomes a list of minimum wages per region, each with the day
-- it took effect. A minimum wage set before applied to every agreement: it becomes the entry
-- of every region ('*'), in force since long before any agreement.
UPDATE policy_versions SET body = (
    (body::jsonb - 'minimum_monthly_wage')
    || jsonb_build_object('minimum_wages',
        CASE WHEN COALESCE((body::jsonb ->> 'minimum_monthly_wage')::bigint, 0) > 0
            THEN jsonb_build_array(jsonb_build_object(
                'region', '*',
                'monthly_minor_units', (body::jsonb ->> 'minimum_monthly_wage')::bigint,
                'effective_from', '2000-01-01'))
            ELSE '[]'::jsonb
        END)
)::text;

-- An agreement may leave the compensation unagreed (it is then computed: SPC Interpretation
-- (I) art. 36), names the region where the contract was performed and keeps the average
-- monthly wage of the 12 months before leaving it was recorded with.
ALTER TABLE non_compete_agreements ALTER COLUMN monthly_compensation DROP NOT NULL;
ALTER TABLE non_compete_agreements ADD COLUMN contract_region TEXT;
ALTER TABLE non_compete_agreements ADD COLUMN average_monthly_wage BIGINT;
