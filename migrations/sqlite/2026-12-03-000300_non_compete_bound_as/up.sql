-- Who the non-compete may bind (Labor Contract Law art. 24): senior management, senior
-- technical staff or others with a confidentiality duty. Agreements recorded before were
-- recorded for people with such a duty, which is what they keep.
ALTER TABLE non_compete_agreements
    ADD COLUMN bound_as TEXT NOT NULL DEFAULT 'confidentiality_duty';
