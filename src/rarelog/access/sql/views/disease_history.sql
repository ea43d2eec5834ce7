-- Ages at first signs, clinical and genetic diagnosis, one row per active record that states a
-- history (a patient followed by two centres may have two). The ages in years as the warehouse
-- computes them; the submitted value and unit are left out. {schema}, {access}, {registry}:
-- schema names; {study}: the study id.
CREATE OR REPLACE VIEW {schema}.disease_history WITH (security_barrier) AS
SELECT c.study_patient_id,
       h.first_signs_period, h.first_signs_years,
       h.clinical_diagnosis_period, h.clinical_diagnosis_years,
       h.genetic_diagnosis_period, h.genetic_diagnosis_years,
       h.diagnosis_on_entry, h.prenatal_diagnosis
FROM {access}.study_cohort c
JOIN {registry}.record r ON r.patient_id = c.patient_id AND NOT r.withdrawn
JOIN {registry}.disease_history h ON h.record_key = r.record_key
WHERE c.study = '{study}' AND {access}.study_open('{study}');
