-- Analysts' views: counts of distinct patients (column `patients`) or of active records
-- (`records`) over non-withdrawn records. Patient-level helper views stay in {registry} (row
-- level); {analytics} holds only aggregates, where disclosure control will apply.
-- {registry} and {analytics} are schema names.

-- A patient's residence: that of its most recently received active record that states one.
CREATE OR REPLACE VIEW {registry}.patient_residence AS
SELECT DISTINCT ON (r.patient_id) r.patient_id, r.residence_departement AS departement,
       coalesce(d.region, CASE WHEN r.residence_departement = '20' THEN '94' END) AS region
FROM {registry}.record r
LEFT JOIN {registry}.departement d ON d.departement = r.residence_departement
WHERE NOT r.withdrawn AND r.residence_departement IS NOT NULL
ORDER BY r.patient_id, r.received_at DESC, r.record_version DESC;

-- A patient's age at first signs, clinical and genetic diagnosis: the earliest its active
-- records state (a stated age before a bare period such as UNDETERMINED).
CREATE OR REPLACE VIEW {registry}.patient_age AS
SELECT DISTINCT ON (r.patient_id, a.event) r.patient_id, a.event, a.period, a.years
FROM {registry}.record r
JOIN {registry}.disease_history h USING (record_key)
CROSS JOIN LATERAL (VALUES ('first_signs', h.first_signs_period, h.first_signs_years),
                           ('clinical_diagnosis', h.clinical_diagnosis_period, h.clinical_diagnosis_years),
                           ('genetic_diagnosis', h.genetic_diagnosis_period, h.genetic_diagnosis_years))
    AS a (event, period, years)
WHERE NOT r.withdrawn AND a.period IS NOT NULL
ORDER BY r.patient_id, a.event, a.years NULLS LAST, a.period;

-- Undiagnosed: some active record codes ORPHA:616874 and none codes another (non-refuted) ORPHAcode.
CREATE OR REPLACE VIEW {analytics}.undiagnosed_share AS
WITH per_patient AS (
    SELECT r.patient_id,
           coalesce(bool_or(d.orphacode = 'ORPHA:616874'), false) AS undiagnosed_code,
           coalesce(bool_or(d.orphacode <> 'ORPHA:616874' AND d.status <> 'REFUTED'), false) AS diagnosed
    FROM {registry}.record r LEFT JOIN {registry}.diagnosis d USING (record_key)
    WHERE NOT r.withdrawn GROUP BY r.patient_id)
SELECT count(*) AS patients,
       count(*) FILTER (WHERE undiagnosed_code AND NOT diagnosed) AS undiagnosed_patients,
       round(count(*) FILTER (WHERE undiagnosed_code AND NOT diagnosed)::numeric / nullif(count(*), 0), 4)
           AS undiagnosed_share
FROM per_patient;

-- departement: INSEE code, 99 abroad, 20 Corsica known by postal code only, null not recorded.
CREATE OR REPLACE VIEW {analytics}.patients_by_departement AS
SELECT pr.departement, pr.region, count(*) AS patients
FROM {registry}.patient p
LEFT JOIN {registry}.patient_residence pr USING (patient_id)
GROUP BY pr.departement, pr.region;

-- region null: abroad, not recorded, or an overseas collectivity that is no département.
CREATE OR REPLACE VIEW {analytics}.patients_by_region AS
SELECT region, sum(patients)::bigint AS patients
FROM {analytics}.patients_by_departement
GROUP BY region;

-- A patient counts once in each centre where it has an active record.
CREATE OR REPLACE VIEW {analytics}.patients_by_centre AS
SELECT r.centre_id, c.name, c.departement, c.region, count(DISTINCT r.patient_id) AS patients,
       count(*) AS records
FROM {registry}.record r
LEFT JOIN {registry}.centre c USING (centre_id)
WHERE NOT r.withdrawn
GROUP BY r.centre_id, c.name, c.departement, c.region;

-- By the région of the centres following the patient (once per région); null: not in the directory.
CREATE OR REPLACE VIEW {analytics}.patients_by_centre_region AS
SELECT c.region, count(DISTINCT r.patient_id) AS patients
FROM {registry}.record r
LEFT JOIN {registry}.centre c USING (centre_id)
WHERE NOT r.withdrawn
GROUP BY c.region;

-- First contact: the earliest first contact (activity or inclusion date, else the record's creation
-- date: registry.record_dates) over the patient's active records.
CREATE OR REPLACE VIEW {analytics}.patients_by_first_contact_year AS
SELECT first_contact_year, count(*) AS patients
FROM (SELECT r.patient_id, min(d.first_contact_year) AS first_contact_year
      FROM {registry}.record r LEFT JOIN {registry}.record_dates d USING (record_key)
      WHERE NOT r.withdrawn GROUP BY r.patient_id) per_patient
GROUP BY first_contact_year;

CREATE OR REPLACE VIEW {analytics}.age_at_onset AS
SELECT b.band, b.ordinal AS band_order, count(*) AS patients
FROM {registry}.patient p
LEFT JOIN {registry}.patient_age a ON a.patient_id = p.patient_id AND a.event = 'first_signs'
JOIN {registry}.band b ON b.kind = 'age' AND b.band = {registry}.band_of('age', a.period, a.years)
GROUP BY b.band, b.ordinal;

CREATE OR REPLACE VIEW {analytics}.age_at_diagnosis AS
SELECT b.band, b.ordinal AS band_order, count(*) AS patients
FROM {registry}.patient p
LEFT JOIN {registry}.patient_age a ON a.patient_id = p.patient_id AND a.event = 'clinical_diagnosis'
JOIN {registry}.band b ON b.kind = 'age' AND b.band = {registry}.band_of('age', a.period, a.years)
GROUP BY b.band, b.ordinal;

-- Diagnostic delay: age at clinical diagnosis minus age at first signs, for the patients whose
-- records state both as ages (diagnosis date minus onset date, as the SDM-MR records ages).
CREATE OR REPLACE VIEW {analytics}.diagnostic_delay AS
SELECT b.band, b.ordinal AS band_order, count(*) AS patients
FROM {registry}.patient_age o
JOIN {registry}.patient_age dx ON dx.patient_id = o.patient_id AND dx.event = 'clinical_diagnosis'
JOIN {registry}.band b ON b.kind = 'delay' AND b.band = {registry}.band_of('delay', NULL, dx.years - o.years)
WHERE o.event = 'first_signs' AND o.years IS NOT NULL AND dx.years IS NOT NULL
GROUP BY b.band, b.ordinal;

CREATE OR REPLACE VIEW {analytics}.vital_status AS
WITH per_patient AS (
    SELECT r.patient_id, bool_or(r.deceased) AS deceased,
           bool_or(r.death_due_to_rare_disease) AS due, bool_or(NOT r.death_due_to_rare_disease) AS not_due
    FROM {registry}.record r WHERE NOT r.withdrawn GROUP BY r.patient_id)
SELECT count(*) AS patients,
       count(*) FILTER (WHERE NOT deceased) AS alive_patients,
       count(*) FILTER (WHERE deceased) AS deceased_patients,
       count(*) FILTER (WHERE deceased AND due) AS deaths_due_to_rare_disease,
       count(*) FILTER (WHERE deceased AND NOT coalesce(due, false) AND not_due) AS deaths_other_cause,
       count(*) FILTER (WHERE deceased AND due IS NULL AND not_due IS NULL) AS deaths_cause_unknown
FROM per_patient;

CREATE OR REPLACE VIEW {analytics}.deaths_by_orphacode AS
WITH death AS (
    SELECT patient_id, bool_or(deceased) AS deceased, coalesce(bool_or(death_due_to_rare_disease), false) AS due
    FROM {registry}.record WHERE NOT withdrawn GROUP BY patient_id)
SELECT d.orphacode, count(DISTINCT r.patient_id) AS patients,
       count(DISTINCT r.patient_id) FILTER (WHERE death.deceased) AS deceased_patients,
       count(DISTINCT r.patient_id) FILTER (WHERE death.deceased AND death.due) AS deaths_due_to_rare_disease
FROM {registry}.diagnosis d
JOIN {registry}.record r USING (record_key)
JOIN death USING (patient_id)
WHERE NOT r.withdrawn AND d.orphacode IS NOT NULL
GROUP BY d.orphacode;

-- Ongoing: a treatment period without an end.
CREATE OR REPLACE VIEW {analytics}.patients_by_treatment AS
SELECT t.atc, t.orphan_medicine_code, count(DISTINCT r.patient_id) AS patients,
       count(DISTINCT r.patient_id) FILTER (WHERE t.end_year IS NULL) AS patients_ongoing
FROM {registry}.treatment t
JOIN {registry}.record r USING (record_key)
WHERE NOT r.withdrawn
GROUP BY t.atc, t.orphan_medicine_code;

-- Share of active records where each SDM-MR item is filled (completeness.ITEMS).
CREATE OR REPLACE VIEW {analytics}.completeness_by_centre AS
WITH active AS (SELECT record_key, centre_id FROM {registry}.record WHERE NOT withdrawn),
     per_centre AS (SELECT centre_id, count(*) AS records FROM active GROUP BY centre_id),
     filled AS (SELECT a.centre_id, i.item, count(*) AS filled_records
                FROM active a JOIN {registry}.record_item i USING (record_key) GROUP BY a.centre_id, i.item)
SELECT c.centre_id, s.item, s.item_group, s.ordinal AS item_order, c.records,
       coalesce(f.filled_records, 0) AS filled_records,
       round(coalesce(f.filled_records, 0)::numeric / c.records, 4) AS filled_share
FROM per_centre c
CROSS JOIN {registry}.sdm_item s
LEFT JOIN filled f ON f.centre_id = c.centre_id AND f.item = s.item;

CREATE OR REPLACE VIEW {analytics}.completeness_by_item AS
SELECT item, item_group, item_order, sum(records)::bigint AS records, sum(filled_records)::bigint AS filled_records,
       round(sum(filled_records)::numeric / nullif(sum(records), 0), 4) AS filled_share
FROM {analytics}.completeness_by_centre
GROUP BY item, item_group, item_order;
