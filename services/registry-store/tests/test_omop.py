"""The OMOP CDM v5.4 tables in a real PostgreSQL: their columns against the specification's field
list (omop_cdm/cdm_v5_4_fields.csv), and their rows, refreshed from a warehouse fed with
RecordLinked events made from the synthetic generator, against counts computed in Python from
the same events."""
from collections import defaultdict

import psycopg
import pytest

from rarelog_registry_store import omop

pytestmark = pytest.mark.integration
WITHDRAWN = 5
# information_schema's names for the PostgreSQL types of the official DDL.
DATA_TYPES = {"integer": "integer", "bigint": "bigint", "date": "date", "TIMESTAMP": "timestamp without time zone",
              "NUMERIC": "numeric", "TEXT": "text"}


@pytest.fixture(scope="module")
def generated(cohort_events):
    return cohort_events.cohort(300, 6, seed=11)


@pytest.fixture
def loaded(warehouse, generated, cohort_events, tmp_path):
    """The cohort written in batches, the first records withdrawn, the centre directory loaded;
    returns the active RecordLinked events."""
    cohort_events.load(warehouse, generated, WITHDRAWN, tmp_path / "centres.csv", 11, 6)
    return [e for _, (_, e) in generated[WITHDRAWN:]]


def refresh(warehouse, vocabulary=None):
    return omop.refresh_database(warehouse.database_url, warehouse.registry, vocabulary)


def omop_query(warehouse, sql, *params):
    return warehouse.query(sql.replace("{omop}", omop.schema_name(warehouse.registry)), *params)


def test_tables_match_the_specification_column_for_column(warehouse):
    spec = omop.fields()
    assert {f.table for f in spec} == set(omop.TABLES) and len(spec) == 136
    columns = omop_query(warehouse, "SELECT table_name, column_name, ordinal_position, data_type, "
                                    "character_maximum_length, is_nullable FROM information_schema.columns "
                                    "WHERE table_schema = %s AND table_name = ANY(%s) "
                                    "ORDER BY table_name, ordinal_position",
                         omop.schema_name(warehouse.registry), list(omop.TABLES))
    by_table = defaultdict(list)
    for table, name, position, data_type, length, nullable in columns:
        by_table[table].append((position, name, data_type, length, nullable))
    for table in omop.TABLES:
        expected = []
        for position, f in enumerate((f for f in spec if f.table == table), start=1):
            pg = f.postgres_type
            if pg.startswith("varchar("):
                data_type, length = "character varying", int(pg[8:-1])
            else:
                data_type, length = DATA_TYPES[pg], None
            expected.append((position, f.name, data_type, length, "NO" if f.required else "YES"))
        assert by_table[table] == expected, table


def test_rows_satisfy_the_required_columns_and_match_the_registry(warehouse, loaded):
    counts = refresh(warehouse)
    assert all(counts[t] > 0 for t in omop.TABLES), counts
    for f in omop.fields():
        if f.required:
            assert omop_query(warehouse, f"SELECT count(*) FROM {{omop}}.{f.table} WHERE {f.name} IS NULL") == [
                (0,)], f

    patients = {e["patient_id"]: e for e in loaded}  # the last active record of each patient
    with_birth_year = {e["patient_id"] for e in loaded if e["birth_year_month"]}
    assert counts["person"] == len(with_birth_year) == counts["observation_period"]
    assert len(with_birth_year) >= 0.9 * len(patients)  # only foetuses lack one
    persons = dict(omop_query(warehouse, "SELECT person_source_value, person_id FROM {omop}.person"))
    assert set(persons) == with_birth_year and len(set(persons.values())) == len(persons)

    diagnoses = [(e["patient_id"], d) for e in loaded if e["patient_id"] in with_birth_year for d in e["diagnoses"]]
    orpha = sum(1 for _, d in diagnoses if d["orphacode"] and d["status"] != "REFUTED")
    assert omop_query(warehouse, "SELECT count(*) FROM {omop}.condition_occurrence "
                                 "WHERE condition_source_value LIKE 'ORPHA:%%'") == [(orpha,)]
    assert counts["condition_occurrence"] == sum(
        1 for _, d in diagnoses if (d["orphacode"] or d["icd10"]) and d["status"] != "REFUTED")
    assert omop_query(warehouse, "SELECT count(*) FROM {omop}.condition_occurrence "
                                 "WHERE condition_concept_id <> 0 OR condition_source_concept_id <> 0") == [(0,)]

    deceased = {p for p in with_birth_year
                if any((e["vital_status"] or {}).get("deceased") for e in loaded if e["patient_id"] == p)}
    assert deceased and counts["death"] == len(deceased)
    assert set(omop_query(warehouse, "SELECT p.person_source_value FROM {omop}.death d "
                                     "JOIN {omop}.person p USING (person_id)")) == {(p,) for p in deceased}

    activities = sum(len(e["clinical"]["activities"]) for e in loaded
                     if e["patient_id"] in with_birth_year and e["clinical"])
    assert counts["visit_occurrence"] == activities
    treatments = sum(1 for e in loaded if e["patient_id"] in with_birth_year and e["clinical"]
                     for t in e["clinical"]["treatments"] if t.get("atc") or t.get("orphan_medicine_code"))
    assert counts["drug_exposure"] == treatments

    # Sex → the standard gender concepts; every event of a person within its observation period.
    genders = dict(omop_query(warehouse, "SELECT gender_source_value, min(gender_concept_id) FROM {omop}.person "
                                         "GROUP BY 1 HAVING min(gender_concept_id) = max(gender_concept_id)"))
    assert genders["M"] == 8507 and genders["F"] == 8532
    outside = omop_query(warehouse, """
        SELECT count(*) FROM (
            SELECT person_id, visit_start_date AS day FROM {omop}.visit_occurrence
            UNION ALL SELECT person_id, condition_start_date FROM {omop}.condition_occurrence
            UNION ALL SELECT person_id, drug_exposure_end_date FROM {omop}.drug_exposure
            UNION ALL SELECT person_id, observation_date FROM {omop}.observation
            UNION ALL SELECT person_id, death_date FROM {omop}.death) e
        JOIN {omop}.observation_period p USING (person_id)
        WHERE e.day NOT BETWEEN p.observation_period_start_date AND p.observation_period_end_date""")
    assert outside == [(0,)]
    assert omop_query(warehouse, "SELECT count(*) FROM {omop}.drug_exposure "
                                 "WHERE drug_exposure_end_date < drug_exposure_start_date") == [(0,)]
    # Every care site and location an event or a person names exists.
    assert omop_query(warehouse, "SELECT count(*) FROM {omop}.visit_occurrence v "
                                 "LEFT JOIN {omop}.care_site c USING (care_site_id) WHERE c.care_site_id IS NULL") == [(0,)]
    assert omop_query(warehouse, "SELECT count(*) FROM {omop}.person p WHERE p.location_id IS NOT NULL AND NOT EXISTS "
                                 "(SELECT 1 FROM {omop}.location l WHERE l.location_id = p.location_id)") == [(0,)]
    assert omop_query(warehouse, "SELECT count(*), min(cdm_version), min(vocabulary_version) FROM {omop}.cdm_source") \
        == [(1, "5.4", "none")]


def test_refresh_replaces_the_rows_and_keeps_the_ids(warehouse, loaded, cohort_events):
    refresh(warehouse)
    before = dict(omop_query(warehouse, "SELECT person_source_value, person_id FROM {omop}.person"))
    # Withdraw every record of one patient: its person goes, the others keep their person_id.
    gone = loaded[0]["patient_id"]
    keys = [e for e in loaded if e["patient_id"] == gone]
    warehouse.write([cohort_events.withdrawn(e, 10_000 + i) for i, e in enumerate(keys)])
    counts = refresh(warehouse)
    after = dict(omop_query(warehouse, "SELECT person_source_value, person_id FROM {omop}.person"))
    assert gone in before and gone not in after
    assert after == {p: i for p, i in before.items() if p != gone}
    assert counts["cdm_source"] == 1


def test_concept_ids_are_looked_up_when_a_vocabulary_is_loaded(warehouse, loaded):
    code = next(d["orphacode"] for e in loaded for d in e["diagnoses"]
                if d["orphacode"] and d["status"] != "REFUTED" and e["birth_year_month"])
    schema = omop.schema_name(warehouse.registry)
    with psycopg.connect(warehouse.database_url) as conn:  # the two vocabulary tables, as the OHDSI DDL makes them
        conn.execute(f"CREATE TABLE {schema}.concept (concept_id integer NOT NULL, concept_name varchar(255) NOT NULL, "
                     "domain_id varchar(20) NOT NULL, vocabulary_id varchar(20) NOT NULL, "
                     "concept_class_id varchar(20) NOT NULL, standard_concept varchar(1) NULL, "
                     "concept_code varchar(50) NOT NULL, valid_start_date date NOT NULL, "
                     "valid_end_date date NOT NULL, invalid_reason varchar(1) NULL)")
        conn.execute(f"CREATE TABLE {schema}.concept_relationship (concept_id_1 integer NOT NULL, "
                     "concept_id_2 integer NOT NULL, relationship_id varchar(20) NOT NULL, "
                     "valid_start_date date NOT NULL, valid_end_date date NOT NULL, invalid_reason varchar(1) NULL)")
        conn.execute(f"INSERT INTO {schema}.concept VALUES (2000000001, 'a disorder', 'Condition', 'OrphaNet', "
                     "'Disorder', NULL, %s, '1970-01-01', '2099-12-31', NULL), (4000001, 'a disorder', 'Condition', "
                     "'SNOMED', 'Disorder', 'S', '1234', '1970-01-01', '2099-12-31', NULL)", (code[6:],))
        conn.execute(f"INSERT INTO {schema}.concept_relationship VALUES (2000000001, 4000001, 'Maps to', "
                     "'1970-01-01', '2099-12-31', NULL)")
    refresh(warehouse)
    rows = omop_query(warehouse, "SELECT DISTINCT condition_source_value, condition_source_concept_id, "
                                 "condition_concept_id FROM {omop}.condition_occurrence "
                                 "WHERE condition_concept_id <> 0 OR condition_source_concept_id <> 0")
    assert rows == [(code, 2000000001, 4000001)]
