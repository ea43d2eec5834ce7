"""Disclosure control in a real PostgreSQL: small cells of the published views suppressed (and
the cells that would give them back by subtraction), the threshold read from the warehouse,
and the roles: an analyst reads the published views only, a steward reads rows."""
import logging
import uuid
from datetime import datetime, timezone

import psycopg
import pytest
from psycopg import errors
from psycopg.conninfo import make_conninfo

from rarelog_registry_store import disclosure, store
from rarelog_registry_store.settings import RegistryStoreSettings

pytestmark = pytest.mark.integration
T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)
# Départements of the shipped reference file and their régions (INSEE codes).
PARIS, HAUTS_DE_SEINE = "75", "92"          # région 11
BOUCHES_DU_RHONE, VAR = "13", "83"          # région 93
RHONE = "69"                                # région 84
GIRONDE = "33"                              # région 75


def seed(warehouse, cells: list[tuple[str | None, tuple[str, ...], int]]) -> None:
    """(residence département, ORPHAcodes, n): n patients, one active record each."""
    rows, diagnoses = [], []
    for departement, codes, n in cells:
        for _ in range(n):
            key = uuid.uuid4().hex
            rows.append((key, f"p-{key}", "S001", 1, T0, "F", f"e-{key}", departement))
            diagnoses += [(key, i, code, "CONFIRMED") for i, code in enumerate(codes)]
    with psycopg.connect(warehouse.database_url) as conn, conn.cursor() as cur:
        cur.executemany(f"INSERT INTO {warehouse.registry}.record (record_key, patient_id, centre_id, "
                        "record_version, received_at, sex, last_event_id, residence_departement) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", rows)
        cur.executemany(f"INSERT INTO {warehouse.registry}.diagnosis (record_key, ordinal, orphacode, status) "
                        "VALUES (%s, %s, %s, %s)", diagnoses)
        cur.execute(store.patients_sql(warehouse.registry))


def by_key(rows):
    return {r[0]: tuple(r[1:]) for r in rows}


def set_threshold(warehouse, threshold):
    with psycopg.connect(warehouse.database_url) as conn:
        disclosure.write_threshold(conn, warehouse.registry, threshold)


def test_small_cells_suppressed_zero_and_ten_shown(warehouse):
    seed(warehouse, [(PARIS, ("ORPHA:1",), 1), (PARIS, ("ORPHA:5",), 5), (PARIS, ("ORPHA:9",), 9),
                     (PARIS, ("ORPHA:10",), 10), (PARIS, ("ORPHA:12",), 12)])
    rows = by_key(warehouse.query("SELECT orphacode, patients, suppressed "
                                  "FROM {analytics}.published_patients_by_orphacode"))
    assert rows == {"ORPHA:1": (None, True), "ORPHA:5": (None, True), "ORPHA:9": (None, True),
                    "ORPHA:10": (10, False), "ORPHA:12": (12, False)}
    # The exact aggregates stay as they are (stewards and the services read them).
    assert dict(warehouse.query("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode"))["ORPHA:1"] == 1
    # 0 is shown: nobody deceased; 37 patients alive (a single cell of its margin beside the 0).
    vital = warehouse.query("SELECT patients, alive_patients, deceased_patients, deaths_due_to_rare_disease, "
                            "patients_suppressed, deceased_patients_suppressed FROM {analytics}.published_vital_status")
    assert vital == [(37, 37, 0, 0, False, False)]


def test_every_count_from_1_to_threshold_minus_1(warehouse):
    decided = warehouse.query("SELECT n, {registry}.small_count(n, 10) FROM generate_series(0, 12) n")
    assert [n for n, s in decided if s] == list(range(1, 10))


def test_secondary_suppression_in_the_national_margin(warehouse):
    # Régions 11: 30, 84: 15, 93: 12, 75: 4. The national total (61) is published elsewhere, so
    # région 75 alone would be 61 - 30 - 15 - 12: the smallest shown région (93) goes too.
    seed(warehouse, [(PARIS, (), 30), (RHONE, (), 15), (BOUCHES_DU_RHONE, (), 12), (GIRONDE, (), 4)])
    rows = by_key(warehouse.query("SELECT region, patients, suppressed FROM {analytics}.published_patients_by_region"))
    assert rows == {"11": (30, False), "84": (15, False), "93": (None, True), "75": (None, True)}
    total = warehouse.query("SELECT patients, patients_suppressed FROM {analytics}.published_undiagnosed_share")
    assert total == [(61, False)]
    # Its départements follow the suppressed région (else they would add up to it).
    deps = by_key(warehouse.query("SELECT departement, patients, suppressed "
                                  "FROM {analytics}.published_patients_by_departement"))
    assert deps == {PARIS: (30, False), RHONE: (15, False), BOUCHES_DU_RHONE: (None, True), GIRONDE: (None, True)}


def test_secondary_suppression_within_a_region(warehouse):
    # Région 11 (35, shown) = Paris 30 + Hauts-de-Seine 5: Paris is suppressed too. Région 93 has
    # two small départements adding up to the threshold or more: no third cell is needed there,
    # while two small régions adding up to less would need one.
    seed(warehouse, [(PARIS, (), 30), (HAUTS_DE_SEINE, (), 5), (BOUCHES_DU_RHONE, (), 6), (VAR, (), 7),
                     (RHONE, (), 40)])
    deps = by_key(warehouse.query("SELECT departement, patients, suppressed "
                                  "FROM {analytics}.published_patients_by_departement"))
    assert deps == {PARIS: (None, True), HAUTS_DE_SEINE: (None, True), BOUCHES_DU_RHONE: (None, True),
                    VAR: (None, True), RHONE: (40, False)}
    regions = by_key(warehouse.query("SELECT region, patients FROM {analytics}.published_patients_by_region"))
    assert regions == {"11": (35,), "93": (13,), "84": (40,)}


def test_two_small_cells_below_the_threshold_take_a_third(warehouse):
    seed(warehouse, [(PARIS, (), 30), (RHONE, (), 15), (BOUCHES_DU_RHONE, (), 3), (GIRONDE, (), 2)])
    rows = by_key(warehouse.query("SELECT region, patients FROM {analytics}.published_patients_by_region"))
    # 3 + 2 = 5 < 10: published together with the total they would read as "both small, sum 5";
    # the smallest shown région (84) hides the sum.
    assert rows == {"11": (30,), "84": (None,), "93": (None,), "75": (None,)}


def test_a_complement_below_the_threshold_is_suppressed(warehouse):
    # 35 undiagnosed of 40: the 5 others would follow from the published total.
    seed(warehouse, [(PARIS, ("ORPHA:616874",), 35), (PARIS, ("ORPHA:558",), 5)])
    rows = warehouse.query("SELECT patients, undiagnosed_patients, undiagnosed_share, undiagnosed_patients_suppressed "
                           "FROM {analytics}.published_undiagnosed_share")
    assert rows == [(40, None, None, True)]


def test_causes_of_death_within_the_deceased(warehouse):
    # 40 patients: 25 alive, 15 deceased = 12 due to the disease + 3 of another cause + 0 unknown.
    seed(warehouse, [(PARIS, (), 40)])
    with psycopg.connect(warehouse.database_url) as conn:
        keys = [k for (k,) in conn.execute(f"SELECT record_key FROM {warehouse.registry}.record ORDER BY record_key")]
        conn.execute(f"UPDATE {warehouse.registry}.record SET deceased = true, death_due_to_rare_disease = "
                     "(record_key = ANY(%s)) WHERE record_key = ANY(%s)", (keys[:12], keys[:15]))
    rows = warehouse.query("SELECT patients, alive_patients, deceased_patients, deaths_due_to_rare_disease, "
                           "deaths_other_cause, deaths_cause_unknown, deaths_due_to_rare_disease_suppressed, "
                           "deaths_other_cause_suppressed, deaths_cause_unknown_suppressed "
                           "FROM {analytics}.published_vital_status")
    # 3 is small; 15 - 0 - 3 would give 12 back: 12 goes too; the 0 stays.
    assert rows == [(40, 25, 15, None, None, 0, True, True, False)]


def test_threshold_is_a_setting(warehouse, monkeypatch):
    seed(warehouse, [(PARIS, (), 30), (RHONE, (), 15), (BOUCHES_DU_RHONE, (), 12), (GIRONDE, (), 4)])
    query = "SELECT region, patients FROM {analytics}.published_patients_by_region"
    assert warehouse.query("SELECT threshold FROM {registry}.disclosure_setting") == [(10,)]
    set_threshold(warehouse, 3)
    assert by_key(warehouse.query(query)) == {"11": (30,), "84": (15,), "93": (12,), "75": (4,)}
    set_threshold(warehouse, 16)  # 15, 12 and 4 small, adding up to 31: no fourth cell needed
    assert by_key(warehouse.query(query)) == {"11": (30,), "84": (None,), "93": (None,), "75": (None,)}
    with pytest.raises(ValueError):
        set_threshold(warehouse, 1)

    monkeypatch.setenv("DATABASE_URL", warehouse.database_url)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092")
    monkeypatch.delenv("RARELOG_DISCLOSURE_THRESHOLD", raising=False)
    assert RegistryStoreSettings().disclosure_threshold == 10
    monkeypatch.setenv("RARELOG_DISCLOSURE_THRESHOLD", "5")
    settings = RegistryStoreSettings()
    disclosure.apply(settings.database_url, warehouse.registry, settings.disclosure_threshold)
    assert warehouse.query("SELECT threshold FROM {registry}.disclosure_setting") == [(5,)]
    monkeypatch.setenv("RARELOG_DISCLOSURE_THRESHOLD", "1")
    with pytest.raises(ValueError):
        RegistryStoreSettings()


def test_missing_roles_are_a_warning(warehouse, monkeypatch, caplog):
    monkeypatch.setattr(disclosure, "missing_roles", lambda conn: [disclosure.ANALYST])
    with caplog.at_level(logging.WARNING, logger=disclosure.__name__):
        disclosure.apply(warehouse.database_url, warehouse.registry, 10)
    assert "rarelog_analyst" in caplog.text and "CREATEROLE" in caplog.text


@pytest.fixture
def login(warehouse):
    """A temporary LOGIN role, member of a group role; yields a function: group -> its URL."""
    made = []
    with psycopg.connect(warehouse.database_url) as conn:
        if disclosure.missing_roles(conn):
            pytest.skip("the database user could not create the disclosure roles (no CREATEROLE)")

    def make(group: str) -> str:
        name, password = f"rarelog_test_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
        with psycopg.connect(warehouse.database_url, autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}' IN ROLE {group}")
        made.append(name)
        return make_conninfo(warehouse.database_url, user=name, password=password)

    yield make
    with psycopg.connect(warehouse.database_url, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP ROLE IF EXISTS {name}")


def can_read(url: str, relation: str) -> bool:
    with psycopg.connect(url) as conn:
        try:
            conn.execute(f"SELECT * FROM {relation} LIMIT 1").fetchall()
            return True
        except errors.InsufficientPrivilege:
            return False


def test_analyst_reads_published_views_only(warehouse, login):
    seed(warehouse, [(PARIS, ("ORPHA:558",), 12), (RHONE, ("ORPHA:558",), 3)])
    analyst = login(disclosure.ANALYST)
    r, a = warehouse.registry, warehouse.analytics
    with psycopg.connect(analyst) as conn:
        assert sorted(conn.execute(f"SELECT region, patients FROM {a}.published_patients_by_region").fetchall(),
                      key=str) == [("11", None), ("84", None)]
    for relation in (f"{r}.record", f"{r}.patient", f"{r}.diagnosis", f"{r}.disclosure_setting",
                     f"{a}.patients_by_region", f"{a}.patients_by_orphacode", f"{a}.vital_status",
                     f"{a}.linkage_review_queue"):
        assert not can_read(analyst, relation), relation
    # Nor can the analyst lower the threshold.
    with psycopg.connect(analyst) as conn, pytest.raises(errors.InsufficientPrivilege):
        conn.execute(f"UPDATE {r}.disclosure_setting SET threshold = 2")


def test_steward_reads_rows(warehouse, login):
    seed(warehouse, [(PARIS, ("ORPHA:558",), 3)])
    steward = login(disclosure.STEWARD)
    r, a = warehouse.registry, warehouse.analytics
    with psycopg.connect(steward) as conn:
        assert conn.execute(f"SELECT count(*) FROM {r}.record").fetchone() == (3,)
        assert conn.execute(f"SELECT patients FROM {a}.patients_by_region").fetchall() == [(3,)]
        assert conn.execute(f"SELECT patients FROM {a}.published_patients_by_region").fetchall() == [(None,)]
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute(f"DELETE FROM {r}.record")


def test_grants_follow_a_replay_switch(warehouse, login):
    """A replay renames its fresh pair into place: the grants and the threshold go with the objects."""
    seed(warehouse, [(PARIS, (), 12)])
    analyst = login(disclosure.ANALYST)
    r, a = warehouse.registry, warehouse.analytics
    with psycopg.connect(warehouse.database_url, autocommit=True) as conn:
        conn.execute(f"ALTER SCHEMA {r} RENAME TO {r}_sw")
        conn.execute(f"ALTER SCHEMA {a} RENAME TO {a}_sw")
    try:
        with psycopg.connect(analyst) as conn:
            assert conn.execute(f"SELECT patients FROM {a}_sw.published_patients_by_region").fetchall() == [(12,)]
        assert not can_read(analyst, f"{r}_sw.record")
    finally:
        with psycopg.connect(warehouse.database_url, autocommit=True) as conn:
            conn.execute(f"ALTER SCHEMA {r}_sw RENAME TO {r}")
            conn.execute(f"ALTER SCHEMA {a}_sw RENAME TO {a}")
