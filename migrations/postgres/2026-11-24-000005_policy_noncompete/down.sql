DROP TABLE obligation_extensions;
DROP TABLE non_compete_payments;
DROP TABLE non_compete_agreements;
DROP TABLE policy_versions;
