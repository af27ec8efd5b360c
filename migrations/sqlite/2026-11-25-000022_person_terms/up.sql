-- The terms people are found by (see domain::people::search_terms): a search is a range
-- scan here for each word typed, instead of a substring match over every person. Filled
-- for the people already registered when the service starts.
CREATE TABLE person_terms (
    term TEXT NOT NULL,
    employee_id TEXT NOT NULL REFERENCES employees (id),
    PRIMARY KEY (term, employee_id)
) WITHOUT ROWID;
-- A person's terms, to replace them when their name, number or emails change, and to find
-- the people without any.
CREATE INDEX person_terms_employee_idx ON person_terms (employee_id);
