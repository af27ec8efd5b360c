-- The liquidated damages a non-compete agreement may name (Labor Contract Law art. 23), in
-- minor units; none when it names none (as every agreement recorded before).
ALTER TABLE non_compete_agreements ADD COLUMN liquidated_damages BIGINT;

-- The penalty of a substantiated breach of a non-compete: whether it was claimed, and what
-- was paid. Paying it does not end the non-compete (SPC Interpretation (I) art. 40).
CREATE TABLE breach_penalties (
    case_id TEXT PRIMARY KEY REFERENCES breach_cases (id),
    claimed BOOLEAN NOT NULL,
    claimed_amount BIGINT,
    claimed_on DATE,
    paid_amount BIGINT,
    paid_on DATE,
    recorded_by TEXT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
