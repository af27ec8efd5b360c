-- The policy's one minimum wage becomes a list of minimum wages per region, each with the day
-- it took effect. A minimum wage set before applied to every agreement: it becomes the entry
-- of every region ('*'), in force since long before any agreement.
UPDATE policy_versions SET body = json_set(
    json_remove(body, '$.minimum_monthly_wage'),
    '$.minimum_wages',
    CASE WHEN COALESCE(json_extract(body, '$.minimum_monthly_wage'), 0) > 0
        THEN json_array(json_object(
            'region', '*',
            'monthly_minor_units', json_extract(body, '$.minimum_monthly_wage'),
            'effective_from', '2000-01-01'))
        ELSE json_array()
    END);

-- An agreement may leave the compensation unagreed (it is then computed: SPC Interpretation
-- (I) art. 36), names the region where the contract was performed and keeps the average
-- monthly wage of the 12 months before leaving it was recorded with.
CREATE TABLE non_compete_agreements_new (
    employee_id TEXT PRIMARY KEY REFERENCES employees (id),
    months INTEGER NOT NULL,
    monthly_compensation BIGINT,
    currency TEXT NOT NULL,
    scope TEXT NOT NULL,
    region TEXT NOT NULL,
    warning TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    bound_as TEXT NOT NULL DEFAULT 'confidentiality_duty',
    liquidated_damages BIGINT,
    contract_region TEXT,
    average_monthly_wage BIGINT
);
INSERT INTO non_compete_agreements_new (employee_id, months, monthly_compensation, currency,
    scope, region, warning, updated_at, updated_by, bound_as, liquidated_damages)
SELECT employee_id, months, monthly_compensation, currency, scope, region, warning, updated_at,
    updated_by, bound_as, liquidated_damages
FROM non_compete_agreements;
DROP TABLE non_compete_agreements;
ALTER TABLE non_compete_agreements_new RENAME TO non_compete_agreements;
