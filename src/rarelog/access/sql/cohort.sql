-- Every active study's cohort and pseudonyms: (study, patient_id, study_patient_id,
-- first_contact_year). Private ({access} is readable by its owner only): it is the mapping a study
-- must never see. The study views select from it with their owner's rights, filtered on their study.
-- {access}, {registry} and {crypto} (pgcrypto's schema) are schema names.
--
-- Cohort of a study, over active (non-withdrawn) records:
--   * a diagnosis of one of the approved ORPHAcodes, not refuted (exactly those codes: the
--     shipped Orphanet extract has no classification, so no descendants);
--   * a first contact (registry.record_dates, the earliest over the patient's records, as in
--     analytics.patients_by_first_contact_year) within the approved years;
--   * no active record opposing the reuse of its data (consent.opposes_reuse_in_bndmr).
-- Built from the coded patients outward (diagnosis_orphacode_idx, record_patient_idx), so a query
-- costs in proportion to the cohort, not to the registry.
--
-- study_patient_id: HMAC-SHA-256 of patient_id under the study's key, first 32 hex digits. The key
-- is read from a table here, never written into a definition: pg_views is readable by everyone.
CREATE OR REPLACE VIEW {access}.study_cohort AS
SELECT g.study, c.patient_id,
       left(encode({crypto}.hmac(convert_to(c.patient_id, 'UTF8'), k.key, 'sha256'), 'hex'), 32) AS study_patient_id,
       f.first_contact_year
FROM {access}.study_grant g
JOIN {access}.study_key k ON k.study = g.study
CROSS JOIN LATERAL (
    SELECT DISTINCT r.patient_id
    FROM {registry}.diagnosis d JOIN {registry}.record r USING (record_key)
    WHERE d.orphacode = ANY (g.orphacodes) AND d.status <> 'REFUTED' AND NOT r.withdrawn) c
CROSS JOIN LATERAL (
    SELECT min(rd.first_contact_year) AS first_contact_year,
           coalesce(bool_or(cr.opposes_reuse_in_bndmr), false) AS opposes_reuse
    FROM {registry}.record r
    LEFT JOIN {registry}.record_dates rd USING (record_key)
    LEFT JOIN {registry}.consent_research cr USING (record_key)
    WHERE r.patient_id = c.patient_id AND NOT r.withdrawn) f
WHERE g.status = 'active'
  AND f.first_contact_year BETWEEN g.first_year AND g.last_year
  AND NOT f.opposes_reuse;
