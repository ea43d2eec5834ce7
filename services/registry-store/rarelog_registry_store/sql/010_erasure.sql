-- Erasure (PatientErased, docs/decisions/0011): every row of an erased patient and of its
-- records is deleted (erasure_store.py); this table keeps that it happened, when and why, never
-- of whom: no patient id, no record key, no event id. {registry} is the registry schema.
CREATE TABLE IF NOT EXISTS {registry}.erasure_audit (
    erased_at timestamptz NOT NULL,   -- the event's received_at: when the opposition or withdrawal was received
    tag text NOT NULL,                -- 32 bits of a digest of the event id: tells apart erasures of one millisecond
    reason text NOT NULL,             -- OPPOSE (the patient opposed) or WITHDRAW (its last record withdrawn)
    records int NOT NULL,             -- how many records were erased
    applied_at timestamptz NOT NULL DEFAULT now(),  -- when this warehouse applied it (kept by replays)
    PRIMARY KEY (erased_at, tag)
);

-- The erasure finds every row naming the patient or its records, on either side.
CREATE INDEX IF NOT EXISTS possible_match_candidate_idx ON {registry}.possible_match (candidate_patient_id);
CREATE INDEX IF NOT EXISTS death_verified_patient_idx ON {registry}.death_verified (patient_id_at_match);
