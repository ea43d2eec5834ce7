-- The cohort's diagnoses of the approved ORPHAcodes (other diagnoses are outside the approval),
-- one row per diagnosis of an active record, dated to the month. Refuted ones are kept: the
-- status is the study's to read. {schema}, {access}, {registry}: schema names; {study}: the id.
CREATE OR REPLACE VIEW {schema}.diagnosis WITH (security_barrier) AS
SELECT c.study_patient_id, d.orphacode, d.status, d.diagnosis_year, d.diagnosis_month
FROM {access}.study_cohort c
JOIN {access}.study_grant g ON g.study = c.study AND g.status = 'active'
JOIN {registry}.record r ON r.patient_id = c.patient_id AND NOT r.withdrawn
JOIN {registry}.diagnosis d ON d.record_key = r.record_key AND d.orphacode = ANY (g.orphacodes)
WHERE c.study = '{study}' AND {access}.study_open('{study}');
