-- Reference data: not derived from the events, refreshed from shipped files on every start
-- (reference_store.py) or, for the centres, from a directory file. Codes only: the names of
-- départements, régions and disorders stay in the kit's reference files (rarelog_kit.geography,
-- rarelog_kit.reference), so that no free text besides centre names enters the warehouse, whose
-- every value is checked against the cohort's identities. {registry} is a schema name.
CREATE TABLE IF NOT EXISTS {registry}.departement (
    departement text PRIMARY KEY,   -- INSEE code: 01..95, 2A, 2B, 971..976
    region text NOT NULL            -- INSEE région code
);

CREATE TABLE IF NOT EXISTS {registry}.centre (
    centre_id text PRIMARY KEY,     -- the RD site code the submissions carry
    name text NOT NULL,
    finess text,
    departement text,
    region text                     -- from the département
);

CREATE TABLE IF NOT EXISTS {registry}.sdm_item (
    item text PRIMARY KEY,
    item_group text NOT NULL,
    ordinal int NOT NULL
);

-- Bands of the age and delay distributions; a period without a number (antenatal, at birth,
-- undetermined, ...) is a band of its own, with no bounds.
CREATE TABLE IF NOT EXISTS {registry}.band (
    kind text NOT NULL CHECK (kind IN ('age', 'delay')),
    band text NOT NULL,
    ordinal int NOT NULL,
    low_years double precision,     -- inclusive
    high_years double precision,    -- exclusive; null = no upper bound
    PRIMARY KEY (kind, band)
);
INSERT INTO {registry}.band (kind, band, ordinal, low_years, high_years) VALUES
    ('age', 'antenatal', 1, NULL, NULL), ('age', 'at birth', 2, NULL, NULL),
    ('age', '< 1 year', 3, 0, 1), ('age', '1-4 years', 4, 1, 5), ('age', '5-9 years', 5, 5, 10),
    ('age', '10-17 years', 6, 10, 18), ('age', '18-39 years', 7, 18, 40), ('age', '40-59 years', 8, 40, 60),
    ('age', '60+ years', 9, 60, NULL), ('age', 'undetermined', 20, NULL, NULL), ('age', 'no signs', 21, NULL, NULL),
    ('age', 'post mortem', 22, NULL, NULL), ('age', 'other', 23, NULL, NULL), ('age', 'not recorded', 30, NULL, NULL),
    ('delay', 'diagnosed before first signs', 1, NULL, 0), ('delay', '< 1 year', 2, 0, 1),
    ('delay', '1-4 years', 3, 1, 5), ('delay', '5-9 years', 4, 5, 10), ('delay', '10-19 years', 5, 10, 20),
    ('delay', '20+ years', 6, 20, NULL)
ON CONFLICT (kind, band) DO NOTHING;

-- The band of an age (kind 'age', with its AgePeriod) or of a delay (kind 'delay', in years).
-- An SQL-standard body (BEGIN ATOMIC) is bound to the band table, not to its schema's name, like
-- the views: a replay builds a warehouse under other names and renames it into place.
CREATE OR REPLACE FUNCTION {registry}.band_of(kind text, period text, years double precision) RETURNS text
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT CASE
        WHEN kind = 'age' AND period = 'ANTENATAL' THEN 'antenatal'
        WHEN kind = 'age' AND period = 'NEONATAL' THEN 'at birth'
        WHEN kind = 'age' AND period IS NULL THEN 'not recorded'
        WHEN kind = 'age' AND period IN ('UNDETERMINED', 'NO_SIGNS', 'POST_MORTEM') THEN lower(replace(period, '_', ' '))
        WHEN years IS NULL THEN 'other'
        ELSE (SELECT b.band FROM {registry}.band b
              WHERE b.kind = band_of.kind AND (b.low_years IS NOT NULL OR b.high_years IS NOT NULL)
                AND years >= coalesce(b.low_years, '-infinity') AND years < coalesce(b.high_years, 'infinity'))
    END;
END;
