-- Row-level warehouse: one row per record (its latest version), its diagnoses, and the
-- patients derived from the records. {registry} and {analytics} are schema names.
CREATE SCHEMA IF NOT EXISTS {registry};
CREATE SCHEMA IF NOT EXISTS {analytics};

CREATE TABLE IF NOT EXISTS {registry}.record (
    record_key text PRIMARY KEY,
    patient_id text NOT NULL,
    centre_id text NOT NULL,
    record_version bigint NOT NULL,
    received_at timestamptz NOT NULL,
    link_rule text,
    birth_year_month text,
    sex text NOT NULL,
    deceased boolean NOT NULL DEFAULT false,
    death_year int,
    death_month int,
    death_day int,
    death_due_to_rare_disease boolean,
    withdrawn boolean NOT NULL DEFAULT false,
    withdrawal_reason text,
    last_event_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS record_patient_idx ON {registry}.record (patient_id);

CREATE TABLE IF NOT EXISTS {registry}.diagnosis (
    record_key text NOT NULL REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    ordinal int NOT NULL,
    orphacode text,
    icd10 text,
    status text NOT NULL,
    diagnosis_year int,
    diagnosis_month int,
    diagnosis_day int,
    PRIMARY KEY (record_key, ordinal)
);
CREATE INDEX IF NOT EXISTS diagnosis_orphacode_idx ON {registry}.diagnosis (orphacode);

-- Derived from the active records of each patient; rewritten for the patients a batch touches.
CREATE TABLE IF NOT EXISTS {registry}.patient (
    patient_id text PRIMARY KEY,
    sex text NOT NULL,
    birth_year_month text,
    deceased boolean NOT NULL,
    record_count int NOT NULL,
    centre_count int NOT NULL,
    first_received_at timestamptz NOT NULL
);

CREATE OR REPLACE VIEW {analytics}.patients_by_orphacode AS
SELECT d.orphacode, count(DISTINCT r.patient_id) AS patients
FROM {registry}.diagnosis d
JOIN {registry}.record r USING (record_key)
WHERE NOT r.withdrawn AND d.orphacode IS NOT NULL
GROUP BY d.orphacode;

-- Patient events the warehouse could not read: kept, with the reason, never silently skipped.
CREATE TABLE IF NOT EXISTS {registry}.quarantined_event (
    topic text NOT NULL,
    partition int NOT NULL,
    kafka_offset bigint NOT NULL,
    reason_code text NOT NULL,
    reason text NOT NULL,
    payload bytea,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, kafka_offset)
);
