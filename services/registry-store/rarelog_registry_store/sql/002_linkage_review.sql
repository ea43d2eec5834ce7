-- Linkage review: possible matches awaiting (or past) a reviewer's verdict, the journal of
-- merges and splits that explains every change in the patient count, and the provisional flag
-- of patients under review. No identity: the agreement pattern says how identity fields agree,
-- never what they hold. {registry} and {analytics} are schema names.
CREATE TABLE IF NOT EXISTS {registry}.possible_match (
    review_id text PRIMARY KEY,
    patient_id text NOT NULL,            -- the provisional patient the record founded meanwhile
    candidate_patient_id text NOT NULL,  -- the patient it may belong to
    record_key text NOT NULL,
    candidate_record_key text NOT NULL,
    centre_id text NOT NULL,
    match_probability double precision NOT NULL,
    reason text NOT NULL,
    agreement jsonb NOT NULL DEFAULT '[]',  -- list of (field, level, levels)
    names_swapped boolean NOT NULL DEFAULT false,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
    raised_event_id text NOT NULL,
    raised_at timestamptz NOT NULL,
    resolved_event_id text,
    resolved_at timestamptz,
    reviewer text
);
-- Serves the provisional flag, recomputed whenever a patient row is rewritten.
CREATE INDEX IF NOT EXISTS possible_match_pending_idx
    ON {registry}.possible_match (patient_id) WHERE status = 'pending';

CREATE TABLE IF NOT EXISTS {registry}.patient_link_event (
    event_id text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('merge', 'split')),
    patient_id text NOT NULL,        -- merge: the patient that remains; split: the one the records leave
    other_patient_id text NOT NULL,  -- merge: the patient merged away; split: the new patient
    record_keys text[] NOT NULL,
    cause text NOT NULL,
    review_id text,
    reviewer text NOT NULL,
    decided_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS patient_link_event_patient_idx ON {registry}.patient_link_event (patient_id);
CREATE INDEX IF NOT EXISTS patient_link_event_other_idx ON {registry}.patient_link_event (other_patient_id);

ALTER TABLE {registry}.patient ADD COLUMN IF NOT EXISTS provisional boolean NOT NULL DEFAULT false;

CREATE OR REPLACE VIEW {analytics}.linkage_review_queue AS
SELECT review_id, patient_id, candidate_patient_id, match_probability, reason, agreement, names_swapped, raised_at
FROM {registry}.possible_match
WHERE status = 'pending'
ORDER BY raised_at, review_id;

-- The patient count and what explains it: provisional patients may yet merge away.
CREATE OR REPLACE VIEW {analytics}.patient_count AS
SELECT (SELECT count(*) FROM {registry}.patient) AS patients,
       (SELECT count(*) FROM {registry}.patient WHERE provisional) AS provisional_patients,
       (SELECT count(*) FROM {registry}.possible_match WHERE status = 'pending') AS pending_reviews,
       (SELECT count(*) FROM {registry}.patient_link_event WHERE kind = 'merge') AS merges,
       (SELECT count(*) FROM {registry}.patient_link_event WHERE kind = 'split') AS splits;
