-- Verified deaths: deaths of INSEE's deceased-persons file that the reconciler matched to a
-- patient (VitalStatusVerified), the conflicts they raise with what centres reported, and the
-- patient's vital status from both. A verified death never overwrites a centre's data: the
-- table holds what INSEE states, the views compare, so they stay right whatever order deaths,
-- records, merges and splits arrive in. {registry} and {analytics} are schema names; literal
-- braces are doubled (str.format).

-- A partial date as one date, the convention of the OMOP death table (omop.py): the last day
-- of the month, or of the year, that is known. A latest-possible day puts no death before a fact
-- of the same month or year, which the conflicts below do not count either.
CREATE OR REPLACE FUNCTION {registry}.latest_day(year int, month int, day int) RETURNS date
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT coalesce(make_date(year, month, day),
                    (make_date(year, coalesce(month, 12), 1) + interval '1 month' - interval '1 day')::date);
END;

-- A partial date as an integer yyyymmdd keeping only the parts the other date knows too (0
-- elsewhere): two dates compare "at the precision both know" by comparing their keys, so
-- 2021-03 is neither before, after nor other than 2021-03-15, while 2021-04 is after it.
CREATE OR REPLACE FUNCTION {registry}.shared_precision_key(year int, month int, day int, other_month int,
                                                           other_day int) RETURNS int
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT year * 10000
           + CASE WHEN month IS NOT NULL AND other_month IS NOT NULL
                  THEN month * 100 + CASE WHEN day IS NOT NULL AND other_day IS NOT NULL THEN day ELSE 0 END
                  ELSE 0 END;
END;

-- A partial date as stated: YYYY, YYYY-MM or YYYY-MM-DD (conflicts show dates at their precision).
CREATE OR REPLACE FUNCTION {registry}.partial_date_text(year int, month int, day int) RETURNS text
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT lpad(year::text, 4, '0') || coalesce('-' || lpad(month::text, 2, '0'), '')
           || coalesce('-' || lpad(day::text, 2, '0'), '');
END;

-- One row per death_id, as INSEE states it; upserted (death_store.py), so a replayed event
-- changes nothing. record_key is the record the death matched: the patient is that record's
-- patient now (registry.record), so the death follows it through merges and splits. No foreign
-- key: a row written before its record (or a record withdrawn) must not fail a batch.
CREATE TABLE IF NOT EXISTS {registry}.death_verified (
    death_id text PRIMARY KEY,
    record_key text NOT NULL,
    patient_id_at_match text NOT NULL,  -- the event's patient_id: the patient when matched
    death_year int NOT NULL,
    death_month int,
    death_day int,
    death_date date GENERATED ALWAYS AS ({registry}.latest_day(death_year, death_month, death_day)) STORED,
    death_departement text,             -- of the place of death; 99xxx abroad
    source text NOT NULL,               -- INSEE
    match_step text NOT NULL,           -- exact-pseudonym, encodings-birth-date or fuzzy
    match_probability double precision, -- null for an exact pseudonym
    import_id text NOT NULL,
    verified_at timestamptz NOT NULL,   -- the event's received_at: when the file was imported
    event_id text NOT NULL
);
CREATE INDEX IF NOT EXISTS death_verified_record_idx ON {registry}.death_verified (record_key);

-- A verified death contradicted by a centre, one row per contradicting fact of an active record
-- of the death's current patient, dates compared at the precision both know:
--   death-date-differs     the record reports a death on another date;
--   activity-after-death   an activity with the patient present (consultation, hospital stay, day
--                          hospital, ward opinion, teleconsultation: the contexts that are OMOP
--                          visits) strictly after the death; file reviews and MDT meetings happen
--                          without the patient, possibly after the death;
--   treatment-after-death  a treatment started strictly after the death;
--   born-after-death       the record's birth year-month strictly after the death.
-- Diagnosis dates (post-mortem diagnoses exist), inclusion dates (a deceased patient may be
-- included afterwards), record dates and treatment ends prove nothing about being alive; and the
-- SDM-MR has no dated "alive at" item (record.vital_status is undated).
CREATE OR REPLACE VIEW {registry}.vital_status_conflict AS
WITH death AS (
    SELECT d.*, coalesce(r.patient_id, d.patient_id_at_match) AS patient_id
    FROM {registry}.death_verified d LEFT JOIN {registry}.record r USING (record_key)),
fact AS (
    SELECT d.patient_id, d.death_id, d.death_year, d.death_month, d.death_day, f.*
    FROM death d
    JOIN {registry}.record r ON r.patient_id = d.patient_id AND NOT r.withdrawn
    CROSS JOIN LATERAL (
        SELECT 'death-date-differs' AS reason, r.centre_id, r.record_key, r.death_year AS year,
               r.death_month AS month, r.death_day AS day
        WHERE r.deceased AND r.death_year IS NOT NULL
        UNION ALL
        SELECT 'activity-after-death', r.centre_id, r.record_key, a.activity_year, a.activity_month, a.activity_day
        FROM {registry}.activity a
        WHERE a.record_key = r.record_key AND a.activity_year IS NOT NULL
          AND a.context IN ('CONSULTATION', 'MULTIDISCIPLINARY_CONSULTATION', 'WARD_OPINION', 'INPATIENT_STAY',
                            'DAY_HOSPITAL', 'TELECONSULTATION')
        UNION ALL
        SELECT 'treatment-after-death', r.centre_id, r.record_key, t.start_year, t.start_month, t.start_day
        FROM {registry}.treatment t WHERE t.record_key = r.record_key AND t.start_year IS NOT NULL
        UNION ALL
        SELECT 'born-after-death', r.centre_id, r.record_key, split_part(r.birth_year_month, '-', 1)::int,
               nullif(split_part(r.birth_year_month, '-', 2), '')::int, NULL::int
        WHERE r.birth_year_month ~ '^[0-9]{{4}}(-[0-9]{{2}})?$') f)
SELECT DISTINCT patient_id, death_id, reason, centre_id, record_key,
       {registry}.partial_date_text(death_year, death_month, death_day) AS insee_death_date,
       {registry}.partial_date_text(year, month, day) AS centre_date
FROM fact
WHERE CASE WHEN reason = 'death-date-differs'
           THEN {registry}.shared_precision_key(year, month, day, death_month, death_day)
                <> {registry}.shared_precision_key(death_year, death_month, death_day, month, day)
           ELSE {registry}.shared_precision_key(year, month, day, death_month, death_day)
                > {registry}.shared_precision_key(death_year, death_month, death_day, month, day) END;

-- One row per patient with an active record: what the centres report, what INSEE verified, and
-- the registry's resulting status; dates by latest_day(), death_date_precision saying how much of
-- the registry's date is known. The centres' date is the earliest one stated (the more precise on
-- a tie). The patient's INSEE death is its most recently verified one (a later file may correct
-- an earlier line; insee_deaths says how many there are). Its date is the registry's only when it
-- has no conflict: a conflict never overwrites a centre's date.
CREATE OR REPLACE VIEW {registry}.patient_vital_status AS
WITH centre AS (
    SELECT patient_id, bool_or(deceased) AS deceased,
           count(DISTINCT centre_id) FILTER (WHERE deceased AND death_year IS NOT NULL) AS centres_reporting_death_date
    FROM {registry}.record WHERE NOT withdrawn GROUP BY patient_id),
centre_death AS (
    SELECT DISTINCT ON (patient_id) patient_id, {registry}.latest_day(death_year, death_month, death_day) AS death_date,
           CASE WHEN death_day IS NOT NULL THEN 'day' WHEN death_month IS NOT NULL THEN 'month' ELSE 'year' END
               AS precision
    FROM {registry}.record WHERE NOT withdrawn AND deceased AND death_year IS NOT NULL
    ORDER BY patient_id, 2, death_day IS NULL, death_month IS NULL),
insee AS (
    SELECT DISTINCT ON (x.patient_id) x.*, count(*) OVER (PARTITION BY x.patient_id) AS deaths,
           CASE WHEN x.death_day IS NOT NULL THEN 'day' WHEN x.death_month IS NOT NULL THEN 'month' ELSE 'year' END
               AS precision
    FROM (SELECT d.*, coalesce(r.patient_id, d.patient_id_at_match) AS patient_id
          FROM {registry}.death_verified d LEFT JOIN {registry}.record r USING (record_key)) x
    ORDER BY x.patient_id, x.verified_at DESC, x.death_id),
conflict AS (
    SELECT death_id, array_agg(DISTINCT reason ORDER BY reason) AS reasons
    FROM {registry}.vital_status_conflict GROUP BY death_id),
s AS (
    SELECT c.*, cd.death_date AS centre_death_date, cd.precision AS centre_precision,
           i.death_id AS insee_death_id, i.death_date AS insee_death_date, i.precision AS insee_precision,
           i.match_step AS insee_match_step, coalesce(i.deaths, 0) AS insee_deaths, k.reasons,
           i.death_id IS NOT NULL AND k.death_id IS NULL AS insee_stands
    FROM centre c
    LEFT JOIN centre_death cd USING (patient_id)
    LEFT JOIN insee i USING (patient_id)
    LEFT JOIN conflict k ON k.death_id = i.death_id)
SELECT patient_id, deceased AS centre_reported_deceased, centre_death_date, centres_reporting_death_date,
       insee_death_id, insee_death_date, insee_match_step, insee_deaths,
       deceased OR insee_death_id IS NOT NULL AS deceased,
       CASE WHEN insee_stands THEN insee_death_date ELSE centre_death_date END AS death_date,
       CASE WHEN insee_stands THEN insee_precision ELSE centre_precision END AS death_date_precision,
       CASE WHEN insee_stands THEN 'INSEE' WHEN centre_death_date IS NOT NULL THEN 'centre' END AS death_date_source,
       reasons IS NOT NULL AS conflict, coalesce(reasons, '{{}}') AS conflict_reasons
FROM s;

-- Vital status counts now include INSEE-verified deaths (new columns at the end say where the
-- deaths come from; the published view keeps its columns and rules: the source split is not
-- published, it would be a second margin of the deaths beside their causes). INSEE states no
-- cause: a death only INSEE knows counts as cause unknown.
CREATE OR REPLACE VIEW {analytics}.vital_status AS
WITH per_patient AS (
    SELECT v.patient_id, v.deceased, v.centre_reported_deceased, v.death_date_source, v.conflict,
           c.due, c.not_due
    FROM {registry}.patient_vital_status v
    JOIN (SELECT patient_id, bool_or(death_due_to_rare_disease) AS due, bool_or(NOT death_due_to_rare_disease) AS not_due
          FROM {registry}.record WHERE NOT withdrawn GROUP BY patient_id) c USING (patient_id))
SELECT count(*) AS patients,
       count(*) FILTER (WHERE NOT deceased) AS alive_patients,
       count(*) FILTER (WHERE deceased) AS deceased_patients,
       count(*) FILTER (WHERE deceased AND due) AS deaths_due_to_rare_disease,
       count(*) FILTER (WHERE deceased AND NOT coalesce(due, false) AND not_due) AS deaths_other_cause,
       count(*) FILTER (WHERE deceased AND due IS NULL AND not_due IS NULL) AS deaths_cause_unknown,
       count(*) FILTER (WHERE centre_reported_deceased) AS deaths_reported_by_centres,
       count(*) FILTER (WHERE deceased AND NOT centre_reported_deceased) AS deaths_insee_only,
       count(*) FILTER (WHERE death_date_source = 'INSEE') AS deaths_dated_by_insee,
       count(*) FILTER (WHERE conflict) AS vital_status_conflicts
FROM per_patient;

CREATE OR REPLACE VIEW {analytics}.deaths_by_orphacode AS
WITH death AS (
    SELECT v.patient_id, v.deceased, coalesce(c.due, false) AS due
    FROM {registry}.patient_vital_status v
    JOIN (SELECT patient_id, bool_or(death_due_to_rare_disease) AS due FROM {registry}.record
          WHERE NOT withdrawn GROUP BY patient_id) c USING (patient_id))
SELECT d.orphacode, count(DISTINCT r.patient_id) AS patients,
       count(DISTINCT r.patient_id) FILTER (WHERE death.deceased) AS deceased_patients,
       count(DISTINCT r.patient_id) FILTER (WHERE death.deceased AND death.due) AS deaths_due_to_rare_disease
FROM {registry}.diagnosis d
JOIN {registry}.record r USING (record_key)
JOIN death USING (patient_id)
WHERE NOT r.withdrawn AND d.orphacode IS NOT NULL
GROUP BY d.orphacode;
