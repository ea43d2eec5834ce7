-- The clinical content of each record's latest version, flattened from RecordLinked.clinical
-- (clinical_rows.py). Keyed by record_key (+ ordinal for repeated groups): a record's rows are
-- replaced when its upsert wins and dropped when it is withdrawn. No identifier: RPPS numbers
-- and the centres' own ids are not copied, only whether they were recorded.
-- {registry} and {analytics} are schema names.
ALTER TABLE {registry}.record ADD COLUMN IF NOT EXISTS is_foetus boolean NOT NULL DEFAULT false;
ALTER TABLE {registry}.record ADD COLUMN IF NOT EXISTS birth_area text;            -- département or 99xxx country
ALTER TABLE {registry}.record ADD COLUMN IF NOT EXISTS residence_departement text; -- 99 abroad, 20 Corsica unsplit

CREATE TABLE IF NOT EXISTS {registry}.disease_history (
    record_key text PRIMARY KEY REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    first_signs_period text,           -- AgePeriod: ANTENATAL, NEONATAL, AT_AGE, UNDETERMINED, NO_SIGNS, ...
    first_signs_value double precision,
    first_signs_unit text,
    first_signs_years double precision, -- AT_AGE converted to years; 0 for ANTENATAL and NEONATAL
    clinical_diagnosis_period text,
    clinical_diagnosis_value double precision,
    clinical_diagnosis_unit text,
    clinical_diagnosis_years double precision,
    genetic_diagnosis_period text,
    genetic_diagnosis_value double precision,
    genetic_diagnosis_unit text,
    genetic_diagnosis_years double precision,
    diagnosis_on_entry text,
    prenatal_diagnosis boolean
);

CREATE TABLE IF NOT EXISTS {registry}.care_pathway (
    record_key text NOT NULL REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    ordinal int NOT NULL,
    centre_id text NOT NULL,
    inclusion_year int,
    inclusion_month int,
    inclusion_day int,
    referring_physician_recorded boolean NOT NULL,
    outside_labelled_scope boolean NOT NULL,
    referred_by text,
    encounter_type text,
    PRIMARY KEY (record_key, ordinal)
);

CREATE TABLE IF NOT EXISTS {registry}.activity (
    record_key text NOT NULL REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    ordinal int NOT NULL,
    centre_id text NOT NULL,
    activity_year int,
    activity_month int,
    activity_day int,
    context text,
    objectives text[] NOT NULL,
    performer_profession text,
    performer_recorded boolean NOT NULL,
    place_finess text,
    place_country text,
    foetus_rank int,
    PRIMARY KEY (record_key, ordinal)
);

CREATE TABLE IF NOT EXISTS {registry}.treatment (
    record_key text NOT NULL REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    ordinal int NOT NULL,
    orphan_medicine_code text,
    atc text,
    start_year int,
    start_month int,
    start_day int,
    end_year int,
    end_month int,
    end_day int,
    PRIMARY KEY (record_key, ordinal)
);

-- One row per active record: its own dates and the first contact the clinical content shows.
CREATE TABLE IF NOT EXISTS {registry}.record_dates (
    record_key text PRIMARY KEY REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    created_year int,
    created_month int,
    created_day int,
    last_updated_year int,
    last_updated_month int,
    last_updated_day int,
    first_contact_year int,
    first_contact_month int,
    first_contact_day int,
    first_contact_source text,  -- activity, inclusion or record_created
    last_activity_year int,
    last_activity_month int,
    last_activity_day int,
    activity_count int NOT NULL
);

CREATE TABLE IF NOT EXISTS {registry}.consent_research (
    record_key text PRIMARY KEY REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    opposes_reuse_in_bndmr boolean NOT NULL,
    ern_registry_consents text[] NOT NULL,
    agrees_to_be_contacted boolean,
    participates_in_protocol boolean,
    sample_for_research boolean,
    sample_for_diagnosis boolean,
    biobanks text[] NOT NULL
);

-- The SDM-MR items (completeness.ITEMS, listed in {registry}.sdm_item) each record fills in.
CREATE TABLE IF NOT EXISTS {registry}.record_item (
    record_key text NOT NULL REFERENCES {registry}.record (record_key) ON DELETE CASCADE,
    item text NOT NULL,
    PRIMARY KEY (record_key, item)
);
