DROP TABLE person_terms;
