DROP TABLE breach_penalties;
ALTER TABLE non_compete_agreements DROP COLUMN liquidated_damages;
