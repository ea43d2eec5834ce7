-- One row per patient of the cohort. Birth year only (the month adds little to a study and much
-- to re-identification), région of residence only (not the département), the earliest stated
-- death date to the month. No record_key, patient_id or centre: a study cannot be joined to the
-- registry or to another study. {schema}, {access}, {registry}: schema names; {study}: the study id.
CREATE OR REPLACE VIEW {schema}.patient WITH (security_barrier) AS
SELECT c.study_patient_id,
       p.sex,
       left(p.birth_year_month, 4)::int AS birth_year,
       c.first_contact_year,
       pr.region AS residence_region,
       p.deceased,
       death.death_year,
       death.death_month,
       death.death_due_to_rare_disease,
       p.record_count,
       p.centre_count
FROM {access}.study_cohort c
JOIN {registry}.patient p USING (patient_id)
LEFT JOIN {registry}.patient_residence pr USING (patient_id)
CROSS JOIN LATERAL (
    -- As analytics.vital_status: due to the rare disease if any record says so.
    SELECT (array_agg(r.death_year ORDER BY r.death_year, r.death_month NULLS FIRST)
                FILTER (WHERE r.death_year IS NOT NULL))[1] AS death_year,
           (array_agg(r.death_month ORDER BY r.death_year, r.death_month NULLS FIRST)
                FILTER (WHERE r.death_year IS NOT NULL))[1] AS death_month,
           bool_or(r.death_due_to_rare_disease) AS death_due_to_rare_disease
    FROM {registry}.record r
    WHERE r.patient_id = c.patient_id AND NOT r.withdrawn AND r.deceased) death
WHERE c.study = '{study}' AND {access}.study_open('{study}');
