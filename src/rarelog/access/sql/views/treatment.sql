-- Treatments of the cohort, one row per treatment of an active record, dates to the month (a null
-- end: ongoing). {schema}, {access}, {registry}: schema names; {study}: the study id.
CREATE OR REPLACE VIEW {schema}.treatment WITH (security_barrier) AS
SELECT c.study_patient_id, t.atc, t.orphan_medicine_code, t.start_year, t.start_month, t.end_year, t.end_month
FROM {access}.study_cohort c
JOIN {registry}.record r ON r.patient_id = c.patient_id AND NOT r.withdrawn
JOIN {registry}.treatment t ON t.record_key = r.record_key
WHERE c.study = '{study}' AND {access}.study_open('{study}');
