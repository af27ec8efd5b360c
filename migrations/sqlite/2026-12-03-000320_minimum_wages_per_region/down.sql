-- Back to one minimum wage: the highest of every region's entries (0 when none).
UPDATE policy_versions SET body = json_set(
    json_remove(body, '$.minimum_wages'),
    '$.minimum_monthly_wage',
    COALESCE((SELECT MAX(json_extract(w.value, '$.monthly_minor_units'))
              FROM json_each(body, '$.minimum_wages') w
              WHERE json_extract(w.value, '$.region') = '*'), 0));
CREATE TABLE non_compete_agreements_old (
    employee_id TEXT PRIMARY KEY REFERENCES employees (id),
    months INTEGER NOT NULL,
    monthly_compensation BIGINT NOT NULL,
    currency TEXT NOT NULL,
    scope TEXT NOT NULL,
    region TEXT NOT NULL,
    warning TEXT,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL REFERENCES users (id),
    bound_as TEXT NOT NULL DEFAULT 'confidentiality_duty',
    liquidated_damages BIGINT
);
INSERT INTO non_compete_agreements_old SELECT employee_id, months,
    COALESCE(monthly_compensation, 0), currency, scope, region, warning, updated_at, updated_by,
    bound_as, liquidated_damages
FROM non_compete_agreements;
DROP TABLE non_compete_agreements;
ALTER TABLE non_compete_agreements_old RENAME TO non_compete_agreements;
