ALTER TABLE non_compete_agreements DROP COLUMN bound_as;
