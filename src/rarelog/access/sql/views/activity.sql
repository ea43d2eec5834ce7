-- Care activities of the cohort, one row per activity of an active record, dated to the month.
-- Not the centre, the place (FINESS) nor the foetus rank: they point at a ward, or a pregnancy.
-- {schema}, {access}, {registry}: schema names; {study}: the study id.
CREATE OR REPLACE VIEW {schema}.activity WITH (security_barrier) AS
SELECT c.study_patient_id, a.activity_year, a.activity_month, a.context, a.objectives, a.performer_profession
FROM {access}.study_cohort c
JOIN {registry}.record r ON r.patient_id = c.patient_id AND NOT r.withdrawn
JOIN {registry}.activity a ON a.record_key = r.record_key
WHERE c.study = '{study}' AND {access}.study_open('{study}');
