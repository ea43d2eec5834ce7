-- Disclosure control: the published views, the suppression threshold, and the roles that
-- separate analysts (published views only) from stewards (rows) and the services (owner).
--
-- The published views live in {analytics} beside the exact aggregates, named `published_*`,
-- rather than in a third schema: a replay builds a fresh *pair* of schemas with these
-- migrations and renames the pair into place (switch.py); a third schema would be left bound to
-- the old pair. Views and grants are bound to objects, not names, so both follow the renames.
--
-- Representation: a count between 1 and threshold - 1 is NULL, with a boolean `suppressed`
-- (or `<count>_suppressed` where a view has several counts) saying why it is NULL; 0 is shown.
-- NULL plus a flag keeps the column numeric for analysts' tools (sum, sort, plot) and cannot be
-- mistaken for a count, which a text '<10' in an integer column could not be.
--
-- Secondary suppression: cells that add up to a published margin (régions to the national
-- total, bands to the cohort, filled + unfilled to the records of an item, …) are a margin;
-- in a margin with one suppressed cell, or several whose sum is below the threshold, the
-- smallest shown non-zero cell (ties by key) is suppressed too, so no suppressed cell follows by
-- subtraction. Where cells are themselves margins (départements of a région, causes of death
-- of the deceased), a suppressed parent suppresses all its non-zero children.
-- {registry} and {analytics} are schema names; literal braces are doubled (str.format).

-- One row. Written by registry-store at every start from RARELOG_DISCLOSURE_THRESHOLD; the
-- default row makes a fresh pair (a replay) safe before the service has written it.
CREATE TABLE IF NOT EXISTS {registry}.disclosure_setting (
    only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    threshold int NOT NULL CHECK (threshold >= 2)
);
INSERT INTO {registry}.disclosure_setting (only_row, threshold) VALUES (true, 10) ON CONFLICT DO NOTHING;

-- The views read the threshold from the table themselves, as their owner: a function reading it
-- would run with the privileges of the analyst calling it, who may not read {registry}.

-- Whether a cell of a margin is suppressed. n: the cell; primary_cells, primary_sum: how many
-- cells of its margin are in 1..threshold-1 and their sum; open_rank: the cell's rank by
-- (count, key) among the margin's cells of threshold or more; parent_suppressed: the cell's
-- margin total is itself suppressed. One secondary cell is enough: it is at least the threshold,
-- so the suppressed cells then number two or more and add up to more than the threshold.
CREATE OR REPLACE FUNCTION {registry}.suppressed_cell(n bigint, threshold int, primary_cells bigint,
                                                      primary_sum numeric, open_rank bigint,
                                                      parent_suppressed boolean) RETURNS boolean
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT coalesce(n, 0) > 0
       AND (coalesce(parent_suppressed, false)
            OR n < threshold
            OR (open_rank = 1 AND coalesce(primary_cells, 0) >= 1
                AND (primary_cells = 1 OR coalesce(primary_sum, 0) < threshold)));
END;

-- A count alone (no margin of its own): suppressed when 1..threshold-1.
CREATE OR REPLACE FUNCTION {registry}.small_count(n bigint, threshold int) RETURNS boolean
LANGUAGE sql IMMUTABLE
BEGIN ATOMIC
    SELECT n BETWEEN 1 AND threshold - 1;
END;

-- Régions: the cells add up to the national total (every patient once, unknown residence
-- included), which other views publish.
CREATE OR REPLACE VIEW {analytics}.published_patients_by_region AS
WITH c AS (
    SELECT v.region, v.patients, s.t,
           count(*) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_cells,
           sum(v.patients) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY v.patients >= s.t ORDER BY v.patients, v.region NULLS FIRST) AS open_rank
    FROM {analytics}.patients_by_region v
    CROSS JOIN (SELECT threshold AS t FROM {registry}.disclosure_setting) s
    WINDOW margin AS ())
SELECT region, CASE WHEN d.suppressed THEN NULL ELSE patients END AS patients, d.suppressed
FROM c CROSS JOIN LATERAL (SELECT {registry}.suppressed_cell(c.patients, c.t, c.primary_cells, c.primary_sum,
                                                               c.open_rank, false) AS suppressed) d;

-- Départements: a margin per région (the région's published count); a suppressed région
-- suppresses its départements, else they would give it back.
CREATE OR REPLACE VIEW {analytics}.published_patients_by_departement AS
WITH c AS (
    SELECT v.departement, v.region, v.patients, s.t, r.suppressed AS region_suppressed,
           count(*) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_cells,
           sum(v.patients) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY v.region, v.patients >= s.t
                              ORDER BY v.patients, v.departement NULLS FIRST) AS open_rank
    FROM {analytics}.patients_by_departement v
    CROSS JOIN (SELECT threshold AS t FROM {registry}.disclosure_setting) s
    LEFT JOIN {analytics}.published_patients_by_region r ON r.region IS NOT DISTINCT FROM v.region
    WINDOW margin AS (PARTITION BY v.region))
SELECT departement, region, CASE WHEN d.suppressed THEN NULL ELSE patients END AS patients, d.suppressed
FROM c CROSS JOIN LATERAL (SELECT {registry}.suppressed_cell(c.patients, c.t, c.primary_cells, c.primary_sum,
                                                               c.open_rank, c.region_suppressed) AS suppressed) d;

-- A patient may carry several codes: the cells add up to no published total, so no margin.
CREATE OR REPLACE VIEW {analytics}.published_patients_by_orphacode AS
SELECT v.orphacode, CASE WHEN d.suppressed THEN NULL ELSE v.patients END AS patients, d.suppressed
FROM {analytics}.patients_by_orphacode v CROSS JOIN {registry}.disclosure_setting s
CROSS JOIN LATERAL (SELECT {registry}.small_count(v.patients, s.threshold) AS suppressed) d;

-- Distributions whose cells add up to the cohort (every patient in one band or year, `not
-- recorded` included) or to the patients with both ages (diagnostic delay): one margin each.
CREATE OR REPLACE VIEW {analytics}.published_age_at_onset AS
WITH c AS (
    SELECT v.band, v.band_order, v.patients, s.t,
           count(*) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_cells,
           sum(v.patients) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY v.patients >= s.t ORDER BY v.patients, v.band_order) AS open_rank
    FROM {analytics}.age_at_onset v CROSS JOIN (SELECT threshold AS t FROM {registry}.disclosure_setting) s
    WINDOW margin AS ())
SELECT band, band_order, CASE WHEN d.suppressed THEN NULL ELSE patients END AS patients, d.suppressed
FROM c CROSS JOIN LATERAL (SELECT {registry}.suppressed_cell(c.patients, c.t, c.primary_cells, c.primary_sum,
                                                               c.open_rank, false) AS suppressed) d;

CREATE OR REPLACE VIEW {analytics}.published_age_at_diagnosis AS
WITH c AS (
    SELECT v.band, v.band_order, v.patients, s.t,
           count(*) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_cells,
           sum(v.patients) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY v.patients >= s.t ORDER BY v.patients, v.band_order) AS open_rank
    FROM {analytics}.age_at_diagnosis v CROSS JOIN (SELECT threshold AS t FROM {registry}.disclosure_setting) s
    WINDOW margin AS ())
SELECT band, band_order, CASE WHEN d.suppressed THEN NULL ELSE patients END AS patients, d.suppressed
FROM c CROSS JOIN LATERAL (SELECT {registry}.suppressed_cell(c.patients, c.t, c.primary_cells, c.primary_sum,
                                                               c.open_rank, false) AS suppressed) d;

CREATE OR REPLACE VIEW {analytics}.published_diagnostic_delay AS
WITH c AS (
    SELECT v.band, v.band_order, v.patients, s.t,
           count(*) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_cells,
           sum(v.patients) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY v.patients >= s.t ORDER BY v.patients, v.band_order) AS open_rank
    FROM {analytics}.diagnostic_delay v CROSS JOIN (SELECT threshold AS t FROM {registry}.disclosure_setting) s
    WINDOW margin AS ())
SELECT band, band_order, CASE WHEN d.suppressed THEN NULL ELSE patients END AS patients, d.suppressed
FROM c CROSS JOIN LATERAL (SELECT {registry}.suppressed_cell(c.patients, c.t, c.primary_cells, c.primary_sum,
                                                               c.open_rank, false) AS suppressed) d;

CREATE OR REPLACE VIEW {analytics}.published_patients_by_first_contact_year AS
WITH c AS (
    SELECT v.first_contact_year, v.patients, s.t,
           count(*) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_cells,
           sum(v.patients) FILTER (WHERE v.patients BETWEEN 1 AND s.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY v.patients >= s.t
                              ORDER BY v.patients, v.first_contact_year NULLS FIRST) AS open_rank
    FROM {analytics}.patients_by_first_contact_year v
    CROSS JOIN (SELECT threshold AS t FROM {registry}.disclosure_setting) s
    WINDOW margin AS ())
SELECT first_contact_year, CASE WHEN d.suppressed THEN NULL ELSE patients END AS patients, d.suppressed
FROM c CROSS JOIN LATERAL (SELECT {registry}.suppressed_cell(c.patients, c.t, c.primary_cells, c.primary_sum,
                                                               c.open_rank, false) AS suppressed) d;

-- Two margins in one row: patients = alive + deceased; deceased = due + other + unknown cause.
CREATE OR REPLACE VIEW {analytics}.published_vital_status AS
WITH v AS (SELECT v.*, s.threshold AS t FROM {analytics}.vital_status v CROSS JOIN {registry}.disclosure_setting s),
top AS (SELECT v.*, {registry}.small_count(v.patients, v.t) AS patients_s,
               (v.alive_patients BETWEEN 1 AND v.t - 1)::int + (v.deceased_patients BETWEEN 1 AND v.t - 1)::int
                   AS top_cells
        FROM v),
lvl1 AS (SELECT top.*,
                -- two cells: either small suppresses both (one from the other and the total).
                top.alive_patients > 0 AND (top.patients_s OR top.top_cells > 0) AS alive_s,
                top.deceased_patients > 0 AND (top.patients_s OR top.top_cells > 0) AS deceased_s
         FROM top),
causes AS (
    SELECT l.*, c.cause, c.n,
           count(*) FILTER (WHERE c.n BETWEEN 1 AND l.t - 1) OVER margin AS primary_cells,
           sum(c.n) FILTER (WHERE c.n BETWEEN 1 AND l.t - 1) OVER margin AS primary_sum,
           row_number() OVER (PARTITION BY c.n >= l.t ORDER BY c.n, c.cause) AS open_rank
    FROM lvl1 l
    CROSS JOIN LATERAL (VALUES ('due', l.deaths_due_to_rare_disease), ('other', l.deaths_other_cause),
                               ('unknown', l.deaths_cause_unknown)) AS c (cause, n)
    WINDOW margin AS ()),
lvl2 AS (SELECT causes.*, {registry}.suppressed_cell(n, t, primary_cells, primary_sum, open_rank, deceased_s) AS s
         FROM causes)
SELECT CASE WHEN bool_or(patients_s) THEN NULL ELSE max(patients) END AS patients,
       CASE WHEN bool_or(alive_s) THEN NULL ELSE max(alive_patients) END AS alive_patients,
       CASE WHEN bool_or(deceased_s) THEN NULL ELSE max(deceased_patients) END AS deceased_patients,
       max(n) FILTER (WHERE cause = 'due' AND NOT s) AS deaths_due_to_rare_disease,
       max(n) FILTER (WHERE cause = 'other' AND NOT s) AS deaths_other_cause,
       max(n) FILTER (WHERE cause = 'unknown' AND NOT s) AS deaths_cause_unknown,
       bool_or(patients_s) AS patients_suppressed,
       bool_or(alive_s) AS alive_patients_suppressed,
       bool_or(deceased_s) AS deceased_patients_suppressed,
       bool_or(s) FILTER (WHERE cause = 'due') AS deaths_due_to_rare_disease_suppressed,
       bool_or(s) FILTER (WHERE cause = 'other') AS deaths_other_cause_suppressed,
       bool_or(s) FILTER (WHERE cause = 'unknown') AS deaths_cause_unknown_suppressed
FROM lvl2;

-- Two cells per row, undiagnosed and the others, adding up to the published patient total.
CREATE OR REPLACE VIEW {analytics}.published_undiagnosed_share AS
WITH v AS (SELECT v.*, s.threshold AS t
           FROM {analytics}.undiagnosed_share v CROSS JOIN {registry}.disclosure_setting s),
d AS (SELECT v.*, {registry}.small_count(v.patients, v.t) AS patients_s,
             v.undiagnosed_patients > 0
             AND ({registry}.small_count(v.undiagnosed_patients, v.t)
                  OR {registry}.small_count(v.patients - v.undiagnosed_patients, v.t)) AS undiagnosed_s
      FROM v)
SELECT CASE WHEN patients_s THEN NULL ELSE patients END AS patients,
       CASE WHEN undiagnosed_s THEN NULL ELSE undiagnosed_patients END AS undiagnosed_patients,
       CASE WHEN undiagnosed_s THEN NULL ELSE undiagnosed_share END AS undiagnosed_share,
       patients_s AS patients_suppressed, undiagnosed_s AS undiagnosed_patients_suppressed
FROM d;

-- Per item, filled and unfilled records add up to the records: either small suppresses the
-- filled count and its share.
CREATE OR REPLACE VIEW {analytics}.published_completeness_by_item AS
WITH v AS (SELECT v.*, s.threshold AS t
           FROM {analytics}.completeness_by_item v CROSS JOIN {registry}.disclosure_setting s),
d AS (SELECT v.*, {registry}.small_count(v.records, v.t) AS records_s,
             v.filled_records > 0
             AND ({registry}.small_count(v.filled_records, v.t)
                  OR {registry}.small_count(v.records - v.filled_records, v.t)) AS filled_s
      FROM v)
SELECT item, item_group, item_order,
       CASE WHEN records_s THEN NULL ELSE records END AS records,
       CASE WHEN filled_s THEN NULL ELSE filled_records END AS filled_records,
       CASE WHEN filled_s THEN NULL ELSE filled_share END AS filled_share,
       records_s AS records_suppressed, filled_s AS filled_records_suppressed
FROM d;

-- Roles are cluster-wide: created once, idempotently, as NOLOGIN groups; the operator grants
-- them to login users. Without CREATEROLE this step only warns: the roles are then created by
-- the operator (docs/warehouse.md) and the grants below apply at the next migration of a pair,
-- or by the documented snippet.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rarelog_analyst')
       AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rarelog_steward') THEN
        RETURN;
    END IF;
    IF NOT (SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        RAISE WARNING 'rarelog: % may not create roles: rarelog_analyst and rarelog_steward not created '
                      '(see docs/warehouse.md, Disclosure control and roles)', current_user;
        RETURN;
    END IF;
    -- The migration lock is per database; another database of the cluster may be creating the
    -- same roles at this moment: finding them made is fine.
    BEGIN
        CREATE ROLE rarelog_analyst NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE rarelog_steward NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$$;

-- Grants, for this pair. Analysts: the published views only, named one by one (a grant on all
-- of {analytics} would include the exact aggregates and the linkage review queue). Stewards:
-- every table and view of both schemas, and, by default privileges, what later migrations add
-- (default privileges belong to the schema, so they follow the renames too). Functions stay
-- executable by PUBLIC (PostgreSQL's default): they return no rows of their own.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rarelog_analyst') THEN
        GRANT USAGE ON SCHEMA {analytics} TO rarelog_analyst;
        GRANT SELECT ON {analytics}.published_patients_by_region, {analytics}.published_patients_by_departement,
                        {analytics}.published_patients_by_orphacode, {analytics}.published_age_at_onset,
                        {analytics}.published_age_at_diagnosis, {analytics}.published_diagnostic_delay,
                        {analytics}.published_patients_by_first_contact_year, {analytics}.published_vital_status,
                        {analytics}.published_undiagnosed_share, {analytics}.published_completeness_by_item
            TO rarelog_analyst;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rarelog_steward') THEN
        GRANT USAGE ON SCHEMA {registry}, {analytics} TO rarelog_steward;
        GRANT SELECT ON ALL TABLES IN SCHEMA {registry} TO rarelog_steward;
        GRANT SELECT ON ALL TABLES IN SCHEMA {analytics} TO rarelog_steward;
        ALTER DEFAULT PRIVILEGES IN SCHEMA {registry}, {analytics} GRANT SELECT ON TABLES TO rarelog_steward;
    END IF;
END
$$;
