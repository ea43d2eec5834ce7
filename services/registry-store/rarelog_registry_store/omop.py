"""The OMOP CDM v5.4 tables (sql/008_omop.sql), filled from the registry tables.

A refresh is a snapshot: the ten tables are truncated and filled again, in one transaction that
reads the registry at one moment (REPEATABLE READ), so OHDSI tools never see half a refresh nor
tables of different moments. The OMOP schema is `<registry>_omop` (schema_name): a replay's
fresh `<registry>_r<stamp>` gets `<registry>_r<stamp>_omop` from the same migrations, and the
switch renames it along with the pair (docs/warehouse.md, OMOP CDM).

Concept ids are 0 unless an OHDSI vocabulary export (at least its `concept` table, ideally
`concept_relationship` and `vocabulary` too) is loaded in the vocabulary schema, which is the
OMOP schema itself unless named: then ORPHAcodes (vocabulary `OrphaNet`), ICD-10 codes (`ICD10`)
and ATC codes (`ATC`) are looked up, and mapped to their standard concept by `Maps to`. The few
concepts that need no lookup are the OMOP standard ones every CDM uses: gender 8507/8532, type
concept 32879 (Registry), visit 9201/9202, CDM version 756265.
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from importlib import resources

import psycopg

TABLES = ("person", "observation_period", "visit_occurrence", "condition_occurrence", "drug_exposure",
          "observation", "death", "location", "care_site", "cdm_source")
PERSON_TABLES = ("observation_period", "visit_occurrence", "condition_occurrence", "drug_exposure", "observation",
                 "death", "person")  # the tables with a row per person, or per event of a person
REGISTRY_TYPE = 32879  # Type Concept "Registry": the provenance of every row
# An INSEE-verified death's type: "Registry" as well, the deceased-persons file being INSEE's
# national register of persons (RNIPP); a centre's stated death keeps REGISTRY_TYPE.
INSEE_DEATH_TYPE = 32879
GENDER = {"M": 8507, "F": 8532}  # the standard OMOP gender concepts; anything else is 0
CDM_VERSION_CONCEPT = 756265  # "OMOP CDM Version 5.4.0" (vocabulary CDM)
# Activity contexts (docs/sdm-mr.md) that are a visit of the patient, by the standard Visit concept:
# 9201 Inpatient Visit, 9202 Outpatient Visit. File reviews, expert opinions on a file and MDT
# meetings happen without the patient: 0, with the context as visit_source_value.
VISIT_CONCEPTS = {"INPATIENT_STAY": 9201, "WARD_OPINION": 9201, "CONSULTATION": 9202,
                  "MULTIDISCIPLINARY_CONSULTATION": 9202, "DAY_HOSPITAL": 9202, "TELECONSULTATION": 9202}
UNDIAGNOSED = "ORPHA:616874"
# The specification's datatypes as the official OMOPCDM_postgresql_5.4_ddl.sql writes them.
POSTGRES_TYPES = {"integer": "integer", "bigint": "bigint", "date": "date", "datetime": "TIMESTAMP",
                  "float": "NUMERIC", "varchar(max)": "TEXT"}


def schema_name(registry: str) -> str:
    """The OMOP schema of a registry schema (registry → registry_omop)."""
    return f"{registry}_omop"


@dataclass(frozen=True)
class Field:
    table: str
    name: str
    required: bool
    datatype: str  # as the specification writes it

    @property
    def postgres_type(self) -> str:
        t = self.datatype.lower()
        return t if re.fullmatch(r"varchar\(\d+\)", t) else POSTGRES_TYPES[t]


def fields() -> list[Field]:
    """The specification's field list for the ten tables, in its order (omop_cdm/README.md)."""
    text = (resources.files(__package__) / "omop_cdm" / "cdm_v5_4_fields.csv").read_text(encoding="utf-8")
    return [Field(r["cdmTableName"], r["cdmFieldName"], r["isRequired"] == "TRUE", r["cdmDatatype"])
            for r in csv.DictReader(text.splitlines())]


def _date(prefix: str, table: str = "") -> str:
    """A partial date (year, month, day columns) as a date: the first day of the month, or of the
    year, when only partial; null without a year."""
    p = f"{table}.{prefix}" if table else prefix
    return f"make_date({p}_year, coalesce({p}_month, 1), coalesce({p}_day, 1))"


def _exists(conn: psycopg.Connection, schema: str, table: str) -> bool:
    return conn.execute("SELECT to_regclass(%s)", (f"{schema}.{table}",)).fetchone()[0] is not None


def _concepts(conn: psycopg.Connection, r: str, vocabulary: str) -> str:
    """Fills the temp table omop_code (source value → source concept, standard concept) from the
    vocabulary schema; empty when no vocabulary is loaded there. Returns the vocabulary's version."""
    conn.execute("CREATE TEMP TABLE omop_code (source_value text PRIMARY KEY, source_concept_id integer NOT NULL, "
                 "concept_id integer NOT NULL) ON COMMIT DROP")
    if not _exists(conn, vocabulary, "concept"):
        return "none"
    standard = "CASE WHEN c.standard_concept = 'S' THEN c.concept_id END"
    if _exists(conn, vocabulary, "concept_relationship"):
        standard = (f"(SELECT min(cr.concept_id_2) FROM {vocabulary}.concept_relationship cr "
                    "WHERE cr.concept_id_1 = c.concept_id AND cr.relationship_id = 'Maps to' "
                    f"AND cr.invalid_reason IS NULL), {standard}")
    conn.execute(f"""
        INSERT INTO omop_code
        SELECT DISTINCT ON (v.source_value) v.source_value, c.concept_id, coalesce({standard}, 0)
        FROM (SELECT orphacode AS source_value, 'OrphaNet' AS vocabulary_id, substr(orphacode, 7) AS code
              FROM {r}.diagnosis WHERE orphacode LIKE 'ORPHA:%'
              UNION SELECT icd10, 'ICD10', icd10 FROM {r}.diagnosis WHERE orphacode IS NULL AND icd10 IS NOT NULL
              UNION SELECT atc, 'ATC', atc FROM {r}.treatment WHERE atc IS NOT NULL) v
        JOIN {vocabulary}.concept c ON c.vocabulary_id = v.vocabulary_id AND c.concept_code = v.code
        ORDER BY v.source_value, c.invalid_reason NULLS FIRST, c.concept_id""")
    version = None
    if _exists(conn, vocabulary, "vocabulary"):
        row = conn.execute(f"SELECT vocabulary_version FROM {vocabulary}.vocabulary "
                           "WHERE vocabulary_id = 'None'").fetchone()
        version = row and row[0]
    return (version or "loaded")[:20]


def refresh(conn: psycopg.Connection, registry: str, vocabulary: str | None = None) -> dict[str, int]:
    """Truncates and fills the OMOP tables of `registry` in the caller's transaction (which should
    be REPEATABLE READ when the sink writes meanwhile: refresh_database). Returns rows per table."""
    r, o = registry, schema_name(registry)
    vocabulary_version = _concepts(conn, r, vocabulary or o)
    conn.execute(f"TRUNCATE {', '.join(f'{o}.{t}' for t in TABLES)}")

    # Ids: new keys get the next integers, known keys keep theirs (source_id is never truncated).
    conn.execute(f"""
        INSERT INTO {o}.source_id (kind, source_value)
        SELECT k.kind, k.source_value FROM (
            SELECT 'person' AS kind, patient_id AS source_value FROM {r}.patient
            UNION SELECT 'care_site', centre_id FROM {r}.centre
            UNION SELECT 'care_site', centre_id FROM {r}.record WHERE NOT withdrawn
            UNION SELECT 'care_site', centre_id FROM {r}.activity
            UNION SELECT 'location', departement FROM {r}.departement
            UNION SELECT 'location', departement FROM {r}.centre WHERE departement IS NOT NULL
            UNION SELECT 'location', residence_departement FROM {r}.record
                  WHERE NOT withdrawn AND residence_departement IS NOT NULL) k
        WHERE NOT EXISTS (SELECT 1 FROM {o}.source_id s WHERE s.kind = k.kind AND s.source_value = k.source_value)
        ORDER BY k.kind, k.source_value""")

    # location: one per département code known (INSEE code as county, région as state; 99 abroad).
    conn.execute(f"""
        INSERT INTO {o}.location (location_id, state, county, location_source_value, country_source_value)
        SELECT s.id, coalesce(d.region, CASE WHEN s.source_value = '20' THEN '94' END),
               CASE WHEN s.source_value <> '99' THEN s.source_value END, s.source_value,
               CASE WHEN s.source_value <> '99' THEN 'FR' END
        FROM {o}.source_id s LEFT JOIN {r}.departement d ON d.departement = s.source_value
        WHERE s.kind = 'location'""")

    # care_site: the centres, from the directory when it names them.
    conn.execute(f"""
        INSERT INTO {o}.care_site (care_site_id, care_site_name, location_id, care_site_source_value)
        SELECT s.id, left(c.name, 255), l.id, s.source_value
        FROM {o}.source_id s LEFT JOIN {r}.centre c ON c.centre_id = s.source_value
        LEFT JOIN {o}.source_id l ON l.kind = 'location' AND l.source_value = c.departement
        WHERE s.kind = 'care_site'""")

    # person: one per registry patient with a year of birth (the specification drops persons
    # without one); residence: the most recently received active record stating one.
    conn.execute(f"""
        INSERT INTO {o}.person (person_id, gender_concept_id, year_of_birth, month_of_birth, race_concept_id,
                                ethnicity_concept_id, location_id, person_source_value, gender_source_value,
                                gender_source_concept_id)
        SELECT s.id, CASE p.sex WHEN 'M' THEN {GENDER['M']} WHEN 'F' THEN {GENDER['F']} ELSE 0 END,
               split_part(p.birth_year_month, '-', 1)::int, nullif(split_part(p.birth_year_month, '-', 2), '')::int,
               0, 0, l.id, p.patient_id, p.sex, 0
        FROM {r}.patient p
        JOIN {o}.source_id s ON s.kind = 'person' AND s.source_value = p.patient_id
        LEFT JOIN (SELECT DISTINCT ON (patient_id) patient_id, residence_departement FROM {r}.record
                   WHERE NOT withdrawn AND residence_departement IS NOT NULL
                   ORDER BY patient_id, received_at DESC, record_version DESC) res USING (patient_id)
        LEFT JOIN {o}.source_id l ON l.kind = 'location' AND l.source_value = res.residence_departement
        WHERE p.birth_year_month ~ '^[0-9]{{4}}'""")

    # The active records of the persons, with the dates that stand in for an undated fact:
    # `anchor` (first contact, else creation, else receipt) for a start, `last_known` for an end.
    conn.execute(f"""
        CREATE TEMP TABLE omop_record ON COMMIT DROP AS
        SELECT r.record_key, pe.person_id, r.centre_id, r.deceased, r.death_year, r.death_month, r.death_day,
               r.death_due_to_rare_disease,
               coalesce({_date('first_contact', 'rd')}, {_date('created', 'rd')}, r.received_at::date) AS anchor,
               greatest({_date('last_updated', 'rd')}, {_date('last_activity', 'rd')}, r.received_at::date)
                   AS last_known,
               coalesce({_date('last_updated', 'rd')}, r.received_at::date) AS stated_on
        FROM {r}.record r
        JOIN {o}.person pe ON pe.person_source_value = r.patient_id
        LEFT JOIN {r}.record_dates rd USING (record_key)
        WHERE NOT r.withdrawn""")
    conn.execute("ALTER TABLE omop_record ADD PRIMARY KEY (record_key)")

    # visit_occurrence: one per dated activity, a one-day visit at its centre.
    visit = "CASE a.context " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in VISIT_CONCEPTS.items()) + " ELSE 0 END"
    conn.execute(f"""
        INSERT INTO {o}.visit_occurrence (visit_occurrence_id, person_id, visit_concept_id, visit_start_date,
                                          visit_end_date, visit_type_concept_id, care_site_id, visit_source_value)
        SELECT row_number() OVER (ORDER BY a.record_key, a.ordinal), x.person_id, {visit}, {_date('activity', 'a')},
               {_date('activity', 'a')}, {REGISTRY_TYPE}, cs.id, a.context
        FROM {r}.activity a JOIN omop_record x USING (record_key)
        LEFT JOIN {o}.source_id cs ON cs.kind = 'care_site' AND cs.source_value = a.centre_id
        WHERE a.activity_year IS NOT NULL""")

    # condition_occurrence: one per diagnosis not refuted, the ORPHAcode (else the ICD-10 code) as
    # source value; undated: the record's anchor.
    conn.execute(f"""
        INSERT INTO {o}.condition_occurrence (condition_occurrence_id, person_id, condition_concept_id,
            condition_start_date, condition_type_concept_id, condition_source_value, condition_source_concept_id,
            condition_status_source_value)
        SELECT row_number() OVER (ORDER BY d.record_key, d.ordinal), x.person_id, coalesce(m.concept_id, 0),
               coalesce({_date('diagnosis', 'd')}, x.anchor), {REGISTRY_TYPE}, coalesce(d.orphacode, d.icd10),
               coalesce(m.source_concept_id, 0), d.status
        FROM {r}.diagnosis d JOIN omop_record x USING (record_key)
        LEFT JOIN omop_code m ON m.source_value = coalesce(d.orphacode, d.icd10)
        WHERE d.status <> 'REFUTED' AND coalesce(d.orphacode, d.icd10) IS NOT NULL""")

    # drug_exposure: one per treatment with a code (ATC, else the orphan medicine code). No start:
    # the record's anchor; no end (ongoing): the last date the record was known, never before the start.
    conn.execute(f"""
        INSERT INTO {o}.drug_exposure (drug_exposure_id, person_id, drug_concept_id, drug_exposure_start_date,
            drug_exposure_end_date, verbatim_end_date, drug_type_concept_id, drug_source_value, drug_source_concept_id)
        SELECT row_number() OVER (ORDER BY t.record_key, t.ordinal), x.person_id, coalesce(m.concept_id, 0), s.start_date,
               greatest(s.start_date, coalesce(s.end_date, x.last_known)), s.end_date, {REGISTRY_TYPE},
               coalesce(t.atc, t.orphan_medicine_code), coalesce(m.source_concept_id, 0)
        FROM {r}.treatment t JOIN omop_record x USING (record_key)
        CROSS JOIN LATERAL (SELECT coalesce({_date('start', 't')}, x.anchor) AS start_date,
                                   {_date('end', 't')} AS end_date) s
        LEFT JOIN omop_code m ON m.source_value = t.atc
        WHERE coalesce(t.atc, t.orphan_medicine_code) IS NOT NULL""")

    # death: one per deceased person (registry.patient_vital_status: a centre's record says so, or
    # INSEE's deceased-persons file). The INSEE-verified date when it has no conflict with the
    # centres (type 32879 too: the file comes from the national register of persons); else the
    # earliest date a centre states; else the last date a record was known. A partial date follows
    # the specification's convention (December, last day of the month), never after today.
    stated = ("CASE WHEN x.death_year IS NOT NULL THEN least(coalesce(make_date(x.death_year, x.death_month, x.death_day), "
              "(make_date(x.death_year, coalesce(x.death_month, 12), 1) + interval '1 month' - interval '1 day')::date), "
              "current_date) END")
    conn.execute(f"""
        INSERT INTO {o}.death (person_id, death_date, death_type_concept_id)
        SELECT x.person_id,
               coalesce(max(least(v.death_date, current_date)) FILTER (WHERE v.death_date_source = 'INSEE'),
                        min({stated}) FILTER (WHERE x.deceased), max(x.last_known) FILTER (WHERE x.deceased),
                        max(x.last_known)),
               CASE WHEN bool_or(v.death_date_source = 'INSEE') THEN {INSEE_DEATH_TYPE} ELSE {REGISTRY_TYPE} END
        FROM omop_record x
        JOIN {o}.person pe USING (person_id)
        JOIN {r}.patient_vital_status v ON v.patient_id = pe.person_source_value
        WHERE v.deceased GROUP BY x.person_id""")

    # observation: the consent and research items of each record, the cause of death (rare
    # disease or not) and the undiagnosed status of a person (docs/warehouse.md, undiagnosed_share).
    conn.execute(f"""
        INSERT INTO {o}.observation (observation_id, person_id, observation_concept_id, observation_date,
            observation_type_concept_id, value_as_string, observation_source_value, value_source_value)
        SELECT row_number() OVER (ORDER BY o.person_id, o.item, o.value, o.observed_on), o.person_id, 0, o.observed_on,
               {REGISTRY_TYPE}, left(o.value, 60), o.item, left(o.value, 50)
        FROM (
            SELECT x.person_id, x.stated_on AS observed_on, i.item, i.value
            FROM {r}.consent_research c JOIN omop_record x USING (record_key)
            CROSS JOIN LATERAL (VALUES ('consent.opposes_reuse_in_bndmr', c.opposes_reuse_in_bndmr::text),
                                       ('consent.agrees_to_be_contacted', c.agrees_to_be_contacted::text),
                                       ('research.participates_in_protocol', c.participates_in_protocol::text),
                                       ('research.sample_for_research', c.sample_for_research::text),
                                       ('research.sample_for_diagnosis', c.sample_for_diagnosis::text)) i (item, value)
            WHERE i.value IS NOT NULL
            UNION ALL
            SELECT x.person_id, x.stated_on, 'consent.ern_registry_consents', e.ern
            FROM {r}.consent_research c JOIN omop_record x USING (record_key)
            CROSS JOIN LATERAL unnest(c.ern_registry_consents) e (ern)
            UNION ALL
            SELECT x.person_id, x.stated_on, 'vital_status.death_due_to_rare_disease', x.death_due_to_rare_disease::text
            FROM omop_record x WHERE x.deceased AND x.death_due_to_rare_disease IS NOT NULL
            UNION ALL
            SELECT x.person_id, max(coalesce({_date('diagnosis', 'd')}, x.anchor)), 'rarelog.undiagnosed', 'true'
            FROM {r}.diagnosis d JOIN omop_record x USING (record_key)
            GROUP BY x.person_id
            HAVING bool_or(d.orphacode = '{UNDIAGNOSED}')
               AND NOT bool_or(d.orphacode IS NOT NULL AND d.orphacode <> '{UNDIAGNOSED}' AND d.status <> 'REFUTED')
        ) o""")

    # observation_period: one per person, from the earliest to the latest date of its rows and
    # records, so that every event of the person falls within it.
    conn.execute(f"""
        INSERT INTO {o}.observation_period (observation_period_id, person_id, observation_period_start_date,
                                            observation_period_end_date, period_type_concept_id)
        SELECT row_number() OVER (ORDER BY person_id), person_id, min(day), max(day), {REGISTRY_TYPE}
        FROM (SELECT person_id, anchor AS day FROM omop_record
              UNION ALL SELECT person_id, last_known FROM omop_record
              UNION ALL SELECT person_id, visit_start_date FROM {o}.visit_occurrence
              UNION ALL SELECT person_id, condition_start_date FROM {o}.condition_occurrence
              UNION ALL SELECT person_id, drug_exposure_start_date FROM {o}.drug_exposure
              UNION ALL SELECT person_id, drug_exposure_end_date FROM {o}.drug_exposure
              UNION ALL SELECT person_id, observation_date FROM {o}.observation
              UNION ALL SELECT person_id, death_date FROM {o}.death) d
        GROUP BY person_id""")

    conn.execute(f"""
        INSERT INTO {o}.cdm_source (cdm_source_name, cdm_source_abbreviation, cdm_holder, source_description,
            source_documentation_reference, source_release_date, cdm_release_date, cdm_version,
            cdm_version_concept_id, vocabulary_version)
        SELECT 'rarelog national rare-disease registry', 'rarelog', 'rarelog registry',
               'Patients of the rare-disease expert centres (SDM-MR), one person per linked patient; '
               'built from the registry warehouse ' || %s || ' by rarelog omop refresh.',
               'docs/warehouse.md', coalesce(max(received_at)::date, current_date), current_date, '5.4',
               {CDM_VERSION_CONCEPT}, %s
        FROM {r}.record""", (r, vocabulary_version))
    return {t: conn.execute(f"SELECT count(*) FROM {o}.{t}").fetchone()[0] for t in TABLES}


def forget_persons(cur: psycopg.Cursor, registry: str, patient_ids: list[str]) -> int:
    """Deletes the OMOP rows of these patients and their person ids, in the caller's transaction
    (an erasure: nothing of them may wait for the next refresh). Returns the persons deleted.

    Waits for a refresh in progress (the lock refresh_database holds): having read the registry
    before the erasure, it would otherwise put them back; a refresh starting later waits for the
    caller's commit, then reads the registry without them."""
    o = schema_name(registry)
    if not patient_ids or not _exists(cur.connection, o, "source_id"):
        return 0
    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"rarelog-omop {o}",))
    cur.execute(f"DELETE FROM {o}.source_id WHERE kind = 'person' AND source_value = ANY(%s) RETURNING id",
                (patient_ids,))
    ids = [r[0] for r in cur.fetchall()]
    if ids:
        for table in PERSON_TABLES:
            cur.execute(f"DELETE FROM {o}.{table} WHERE person_id = ANY(%s)", (ids,))
    return len(ids)


def refresh_database(database_url: str, registry: str, vocabulary: str | None = None) -> dict[str, int]:
    """refresh() in a transaction of its own that reads one snapshot of the registry while the
    sink writes on; refreshes of one schema run one after the other (a session advisory lock,
    taken before the snapshot so the second sees the ids the first assigned)."""
    key = f"rarelog-omop {schema_name(registry)}"
    with psycopg.connect(database_url, autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            with psycopg.connect(database_url) as conn:
                conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                return refresh(conn, registry, vocabulary)
        finally:
            lock.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def vocabulary_of(conn: psycopg.Connection, registry: str | None) -> str | None:
    """The OMOP schema of `registry` when a vocabulary is loaded in it (a replay reads the live one's)."""
    if registry and _exists(conn, schema_name(registry), "concept"):
        return schema_name(registry)
    return None


def copy_ids(conn: psycopg.Connection, registry: str, source_registry: str | None) -> int:
    """Copies the id assignments of another warehouse's OMOP schema (a replay: from the live one),
    so a person keeps its person_id across replays. Returns the ids copied."""
    source, target = schema_name(source_registry or ""), schema_name(registry)
    if not source_registry or not _exists(conn, source, "source_id"):
        return 0
    n = conn.execute(f"INSERT INTO {target}.source_id (kind, source_value, id) "
                     f"SELECT kind, source_value, id FROM {source}.source_id ON CONFLICT DO NOTHING").rowcount
    conn.execute(f"SELECT setval(pg_get_serial_sequence('{target}.source_id', 'id'), "
                 f"greatest((SELECT max(id) FROM {target}.source_id), 1))")
    return n
