"""Governed study access (docs/privacy.md, Study access) against the real PostgreSQL: `rarelog access …` run
through the command line on a warehouse of its own, filled through the sink with a synthetic
cohort, and read back by analysts' login roles made here (members of the study roles only).

Proves: a study role reads its views and nothing else (registry, analytics, OMOP, another study,
the keys and the mapping: permission denied); only the approved cohort appears, under pseudonyms
computed here independently (Python's HMAC against pgcrypto's); two studies see the same patient
under different pseudonyms; no key material in any definition the role can read; expiry stops the
views by itself and `expire` ends the grant; revocation leaves nothing to read; every step is
audited; the refusals say what is wrong."""
from __future__ import annotations

import importlib.util
import os
import secrets
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from rarelog import cli
from rarelog.access.keys import StudySecret, study_pseudonym
from rarelog_registry_store.migrations import migrate
from rarelog_registry_store.omop import schema_name as omop_schema

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
UNDIAGNOSED = "ORPHA:616874"
YEARS = (2008, 2022)
EXPIRES = (date.today() + timedelta(days=400)).isoformat()


def _registry_store_tests(name: str):
    """A module of services/registry-store/tests: cohort_events (RecordLinked events made from the
    synthetic generator through ingest's and the pseudonymizer's real code) and conftest (its
    Warehouse: written through the sink as the service writes it)."""
    spec = importlib.util.spec_from_file_location(f"registry_store_tests_{name}",
                                                  ROOT / f"services/registry-store/tests/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _cohort_events():
    return _registry_store_tests("cohort_events")


def Warehouse(database_url: str, registry: str, analytics: str):  # noqa: N802 (stands for the class)
    return _registry_store_tests("conftest").Warehouse(database_url, registry, analytics)


# ---------------------------------------------------------------- expected cohort, from the events

def first_contact_year(clinical: dict) -> int | None:
    """Year of the record's earliest activity or inclusion, else of its creation (docs/warehouse.md)."""
    years = [a["date"]["year"] for a in clinical.get("activities") or [] if a.get("date")]
    years += [c["inclusion_date"]["year"] for c in clinical.get("care_pathways") or [] if c.get("inclusion_date")]
    created = (clinical.get("record_dates") or {}).get("created")
    return min(years) if years else (created["year"] if created else None)


def expected_cohort(active: list[dict], codes: set[str]) -> set[str]:
    coded, first, opposes = set(), defaultdict(list), set()
    for e in active:
        p, clinical = e["patient_id"], e["clinical"] or {}
        if any(d["orphacode"] in codes and d["status"] != "REFUTED" for d in e["diagnoses"]):
            coded.add(p)
        if first_contact_year(clinical) is not None:
            first[p].append(first_contact_year(clinical))
        if (clinical.get("consent") or {}).get("opposes_reuse_in_bndmr"):
            opposes.add(p)
    return {p for p in coded - opposes if first[p] and YEARS[0] <= min(first[p]) <= YEARS[1]}


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def database_url() -> str:
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    from rarelog import stack
    return stack.up(start_services=False)["DATABASE_URL"]


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """A loaded warehouse, an access schema, a study secret and two analysts, all of this module's
    own; dropped at the end with whatever study is still granted."""
    tag = f"t{uuid.uuid4().hex[:8]}"
    registry, analytics, access = f"{tag}_registry", f"{tag}_analytics", f"{tag}_access"
    migrate(database_url, registry, analytics)
    ce = _cohort_events()
    generated = ce.cohort(600, 6, 11)
    events = [e for _, (_, e) in generated]
    counts = Counter(d["orphacode"] for e in events for d in e["diagnoses"]
                     if d["orphacode"] not in (None, UNDIAGNOSED))
    c1, c2, c3 = [code for code, _ in counts.most_common(3)]
    withdraw = 40  # ce.load withdraws the first records
    # Edge cases the generator never makes: a patient opposing reuse, a refuted diagnosis.
    in_a = sorted(expected_cohort(events[withdraw:], {c1, c2}))
    opposing, refuting = in_a[0], in_a[1]
    for e in events:
        if e["patient_id"] == opposing:
            e["clinical"]["consent"]["opposes_reuse_in_bndmr"] = True
        if e["patient_id"] == refuting:
            for d in e["diagnoses"]:
                d["status"] = "REFUTED" if d["orphacode"] in (c1, c2) else d["status"]
    directory = tmp_path_factory.mktemp("centres") / "centres.csv"
    ce.load(Warehouse(database_url, registry, analytics), generated, withdraw, directory, 11, 6)
    key_file = tmp_path_factory.mktemp("secrets") / "study.key"
    key_file.write_text(secrets.token_hex(32))
    analysts = {name: secrets.token_urlsafe(16) for name in (f"{tag}_alice", f"{tag}_bob", f"{tag}_carol")}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name, password in analysts.items():
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    w = {"tag": tag, "url": database_url, "registry": registry, "analytics": analytics, "access": access,
         "key_file": key_file, "active": events[withdraw:], "codes": (c1, c2, c3), "opposing": opposing,
         "refuting": refuting, "analysts": analysts,
         "secret": StudySecret(bytes.fromhex(key_file.read_text()))}
    yield w
    # Roles are cluster-wide and outlive the schemas: each step on its own, so one failure
    # cannot leave the rest behind.
    with psycopg.connect(database_url, autocommit=True) as conn:
        steps = []
        for suffix in ("a", "b", "exp", "rev", "x"):
            name = f"study_{tag}{suffix}"
            steps += [f"DROP SCHEMA IF EXISTS {name} CASCADE",
                      f"REVOKE ALL ON FUNCTION {access}.study_open(text) FROM {name}", f"DROP ROLE IF EXISTS {name}"]
        steps += [f"DROP ROLE IF EXISTS {name}" for name in analysts]
        steps += [f"DROP SCHEMA IF EXISTS {s} CASCADE" for s in (access, analytics, omop_schema(registry), registry)]
        for step in steps:
            try:
                conn.execute(step)
            except psycopg.Error:
                pass  # already gone (a revoked study's role, an access schema never made)


@pytest.fixture
def rarelog(world, monkeypatch, capsys):
    """Runs `rarelog …` in this process with the module's settings; returns (status, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", world["url"])
    monkeypatch.setenv("RARELOG_WAREHOUSE_SCHEMA", world["registry"])
    monkeypatch.setenv("RARELOG_ANALYTICS_SCHEMA", world["analytics"])
    monkeypatch.setenv("RARELOG_ACCESS_SCHEMA", world["access"])
    monkeypatch.setenv("RARELOG_STUDY_KEY_FILE", str(world["key_file"]))

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = cli.main(["access", *argv])
        out = capsys.readouterr()
        return status, out.out, out.err
    return run


def study(world, suffix: str) -> str:
    return f"{world['tag']}{suffix}"


def as_analyst(world, name: str) -> psycopg.Connection:
    """A connection of the analyst's own login role (autocommit: no transaction left open)."""
    url = make_conninfo(world["url"], user=name, password=world["analysts"][name])
    return psycopg.connect(url, autocommit=True)


def denied(conn: psycopg.Connection, query: str) -> bool:
    try:
        conn.execute(query).fetchall()
    except psycopg.errors.InsufficientPrivilege:
        return True
    return False


@pytest.fixture(scope="module")
def two_studies(world):
    """Study a (codes 1, 2) for alice, study b (codes 2, 3) for bob: patients with code 2 are in both."""
    mp = pytest.MonkeyPatch()
    for k, v in {"DATABASE_URL": world["url"], "RARELOG_WAREHOUSE_SCHEMA": world["registry"],
                 "RARELOG_ACCESS_SCHEMA": world["access"], "RARELOG_STUDY_KEY_FILE": str(world["key_file"])}.items():
        mp.setenv(k, v)
    c1, c2, c3 = world["codes"]
    a, b = study(world, "a"), study(world, "b")
    alice, bob = list(world["analysts"])[:2]
    try:
        assert cli.main(["access", "grant", "--study", a, "--orphacodes", f"{c1},{c2}", "--years", "2008-2022",
                         "--expires", EXPIRES, "--login-role", alice, "--approval", "CSE-2026-01"]) == 0
        assert cli.main(["access", "grant", "--study", b, "--orphacodes", f"{c2},{c3}", "--years", "2008-2022",
                         "--expires", EXPIRES, "--tables", "patient,diagnosis", "--login-role", bob]) == 0
    finally:
        mp.undo()
    return a, b


# ---------------------------------------------------------------- what a study role may read

def test_a_study_role_reads_its_views_and_nothing_else(world, two_studies):
    a, b = two_studies
    alice = list(world["analysts"])[0]
    reg, ana, acc = world["registry"], world["analytics"], world["access"]
    with as_analyst(world, alice) as conn:
        for view in ("patient", "diagnosis", "disease_history", "treatment", "activity"):
            assert conn.execute(f"SELECT * FROM study_{a}.{view}").fetchall(), view
        forbidden = [f"SELECT * FROM {reg}.record", f"SELECT * FROM {reg}.patient", f"SELECT * FROM {reg}.diagnosis",
                     f"SELECT * FROM {ana}.patients_by_orphacode", f"SELECT * FROM {ana}.published_patients_by_region",
                     f"SELECT * FROM {omop_schema(reg)}.person", f"SELECT * FROM study_{b}.patient",
                     f"SELECT * FROM {acc}.study_key", f"SELECT * FROM {acc}.study_cohort",
                     f"SELECT * FROM {acc}.study_grant", f"SELECT * FROM {acc}.audit",
                     f"SELECT {acc}.study_open('{b}')"]
        allowed = [q for q in forbidden if not denied(conn, q)]
        assert not allowed, f"readable by the study role: {allowed}"
        # Nor may the role add anything to its schema.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(f"CREATE VIEW study_{a}.mine AS SELECT 1")
    with psycopg.connect(world["url"]) as conn:
        granted = conn.execute("SELECT table_schema, table_name, privilege_type "
                               "FROM information_schema.role_table_grants WHERE grantee = %s ORDER BY 2",
                               (f"study_{a}",)).fetchall()
        assert granted == [(f"study_{a}", v, "SELECT")
                           for v in ("activity", "diagnosis", "disease_history", "patient", "treatment")]
        usage = conn.execute("SELECT nspname FROM pg_namespace WHERE has_schema_privilege(%s, oid, 'USAGE') "
                             "AND nspname IN (%s, %s, %s, %s, %s)",
                             (f"study_{a}", reg, ana, omop_schema(reg), acc, f"study_{b}")).fetchall()
        assert usage == []


def test_only_the_cohort_appears_under_the_study_pseudonym(world, two_studies):
    a, _ = two_studies
    c1, c2, _ = world["codes"]
    expected = expected_cohort(world["active"], {c1, c2})
    assert world["opposing"] not in expected and world["refuting"] not in expected
    key = world["secret"].study_key(a)
    pseudonyms = {study_pseudonym(key, p): p for p in expected}
    with as_analyst(world, list(world["analysts"])[0]) as conn:
        rows = conn.execute(f"SELECT study_patient_id, first_contact_year FROM study_{a}.patient").fetchall()
        assert {r[0] for r in rows} == set(pseudonyms)
        assert len(rows) == len(expected) > 10
        assert all(YEARS[0] <= r[1] <= YEARS[1] for r in rows)
        codes = {r[0] for r in conn.execute(f"SELECT DISTINCT orphacode FROM study_{a}.diagnosis")}
        assert codes <= {c1, c2}  # other diagnoses are outside the approval
        for view in ("diagnosis", "disease_history", "treatment", "activity"):
            ids = {r[0] for r in conn.execute(f"SELECT DISTINCT study_patient_id FROM study_{a}.{view}")}
            assert ids <= set(pseudonyms), view
        columns = {r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns "
                                              "WHERE table_schema = %s", (f"study_{a}",))}
    assert not columns & {"patient_id", "record_key", "centre_id", "place_finess", "birth_year_month"}


def test_two_studies_see_the_same_patient_under_different_pseudonyms(world, two_studies):
    a, b = two_studies
    c1, c2, c3 = world["codes"]
    both = expected_cohort(world["active"], {c2})  # in study a and in study b
    assert both
    alice, bob = list(world["analysts"])[:2]
    with as_analyst(world, alice) as conn:
        ids_a = {r[0] for r in conn.execute(f"SELECT study_patient_id FROM study_{a}.patient")}
    with as_analyst(world, bob) as conn:
        ids_b = {r[0] for r in conn.execute(f"SELECT study_patient_id FROM study_{b}.patient")}
        assert conn.execute("SELECT to_regclass(%s)", (f"study_{b}.treatment",)).fetchone()[0] is None
    key_a, key_b = world["secret"].study_key(a), world["secret"].study_key(b)
    for patient in both:
        assert study_pseudonym(key_a, patient) in ids_a and study_pseudonym(key_b, patient) in ids_b
        assert study_pseudonym(key_a, patient) != study_pseudonym(key_b, patient)
    assert not ids_a & ids_b  # nothing to join the two studies on


def test_no_key_material_in_what_a_study_role_can_read(world, two_studies):
    a, b = two_studies
    secret = world["secret"]
    material = [secret.secret.hex(), *(secret.study_key(s).hex() for s in (a, b))]
    with as_analyst(world, list(world["analysts"])[0]) as conn:
        texts = [r[0] or "" for r in conn.execute("SELECT definition FROM pg_views")]
        texts += [r[0] or "" for r in conn.execute("SELECT prosrc FROM pg_proc")]
        texts += [r[0] or "" for r in conn.execute("SELECT description FROM pg_description")]
        texts += [str(r) for r in conn.execute(f"EXPLAIN (VERBOSE) SELECT * FROM study_{a}.patient")]
    blob = "\n".join(texts).lower()
    assert not [m for m in material if m in blob]


def test_an_analysts_own_function_sees_only_the_cohort(world, two_studies):
    """security_barrier: a leaky function in the analyst's WHERE runs after the cohort filter."""
    a, _ = two_studies
    c1, c2, _ = world["codes"]
    with as_analyst(world, list(world["analysts"])[0]) as conn:
        seen: list[str] = []
        conn.add_notice_handler(lambda d: seen.append(d.message_primary))
        conn.execute("CREATE FUNCTION pg_temp.leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS "
                     "$$ BEGIN RAISE NOTICE '%', $1; RETURN true; END $$")
        rows = conn.execute(f"SELECT orphacode FROM study_{a}.diagnosis WHERE pg_temp.leak(orphacode)").fetchall()
    assert rows and sorted(seen) == sorted(r[0] for r in rows) and set(seen) <= {c1, c2}


# ---------------------------------------------------------------- lifecycle

def test_expiry_stops_the_views_by_itself_then_expire_ends_the_grant(world, rarelog):
    c1, _, _ = world["codes"]
    s, carol = study(world, "exp"), list(world["analysts"])[2]
    assert rarelog("grant", "--study", s, "--orphacodes", c1, "--years", "2000-2025", "--expires", EXPIRES,
                   "--login-role", carol)[0] == 0
    with as_analyst(world, carol) as conn:
        assert conn.execute(f"SELECT count(*) FROM study_{s}.patient").fetchone()[0] > 0
        with psycopg.connect(world["url"]) as owner:  # the clock, moved past the expiry
            owner.execute(f"UPDATE {world['access']}.study_grant SET expires_on = current_date - 1, "
                          "expires_at = now() - interval '1 second' WHERE study = %s AND status = 'active'", (s,))
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="expired"):
            conn.execute(f"SELECT * FROM study_{s}.treatment").fetchall()
        status, out, err = rarelog("list")
        assert f"{s}" in out and "expired, not swept" in out and "rarelog access expire" in err
        status, out, err = rarelog("expire")
        assert status == 0 and s in out, err
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute(f"SELECT * FROM study_{s}.patient")
    with psycopg.connect(world["url"]) as conn:
        assert not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (f"study_{s}",)).fetchone()
        assert conn.execute(f"SELECT status FROM {world['access']}.study_grant WHERE study = %s", (s,)).fetchone() \
            == ("expired",)
        assert not conn.execute(f"SELECT 1 FROM {world['access']}.study_key WHERE study = %s", (s,)).fetchone()
        actions = [r[0] for r in conn.execute(f"SELECT action FROM {world['access']}.audit WHERE study = %s "
                                              "ORDER BY audit_id", (s,))]
    assert actions == ["grant", "expire"]


def test_revoked_study_reads_nothing_and_members_change_audited(world, rarelog):
    c1, _, _ = world["codes"]
    alice, _, carol = list(world["analysts"])
    s = study(world, "rev")
    assert rarelog("grant", "--study", s, "--orphacodes", c1, "--years", "2000-2025", "--expires", EXPIRES)[0] == 0
    with as_analyst(world, carol) as conn:
        assert denied(conn, f"SELECT * FROM study_{s}.patient")
        assert rarelog("members", "--study", s, "--add", carol)[0] == 0
        assert conn.execute(f"SELECT count(*) FROM study_{s}.patient").fetchone()[0] > 0
        assert rarelog("members", "--study", s, "--remove", carol)[0] == 0
        assert denied(conn, f"SELECT * FROM study_{s}.patient")
        assert rarelog("members", "--study", s, "--add", carol, alice)[0] == 0
        status, out, _ = rarelog("revoke", "--study", s, "--reason", "study closed")
        assert status == 0 and "revoked" in out
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute(f"SELECT * FROM study_{s}.patient")
        assert not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (f"study_{s}",)).fetchone()
    with psycopg.connect(world["url"]) as conn:
        audit = conn.execute(f"SELECT action, os_user, db_user, parameters FROM {world['access']}.audit "
                             "WHERE study = %s ORDER BY audit_id", (s,)).fetchall()
        assert [r[0] for r in audit] == ["grant", "members", "members", "members", "revoke"]
        assert all(r[1] and r[2] == conn.info.user for r in audit)
        assert audit[0][3]["orphacodes"] == [c1] and audit[0][3]["years"] == [2000, 2025]
        assert audit[-1][3]["reason"] == "study closed"
        assert sorted(audit[-1][3]["login_roles"]) == sorted([carol, alice])
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute(f"DELETE FROM {world['access']}.audit WHERE study = %s", (s,))


def test_refresh_rebuilds_views_lost_with_an_old_warehouse(world, two_studies, rarelog):
    """A replay's --drop-old drops the cohort view and the study views with the old pair (CASCADE)."""
    a, _ = two_studies
    with psycopg.connect(world["url"]) as conn:
        conn.execute(f"DROP VIEW {world['access']}.study_cohort CASCADE")
    status, _, err = rarelog("list")
    assert status == 1 and "missing" in err and "rarelog access refresh" in err
    status, out, _ = rarelog("refresh")
    assert status == 0 and a in out
    assert rarelog("list")[0] == 0
    with as_analyst(world, list(world["analysts"])[0]) as conn:
        assert conn.execute(f"SELECT count(*) FROM study_{a}.activity").fetchone()[0] > 0


# ---------------------------------------------------------------- refusals

def test_refusals_are_clear_and_change_nothing(world, two_studies, rarelog, monkeypatch, tmp_path):
    a, _ = two_studies
    c1, _, _ = world["codes"]
    ok = ["--orphacodes", c1, "--years", "2015-2024", "--expires", EXPIRES]
    new = study(world, "x")
    cases = [
        (["grant", "--study", a, *ok], f"study {a} exists"),
        (["grant", "--study", "Bad-Id", *ok], "bad study id"),
        (["grant", "--study", new, "--orphacodes", "166", "--years", "2015-2024", "--expires", EXPIRES],
         "ORPHA:166 is not in the registry's Orphanet extract"),
        (["grant", "--study", new, "--orphacodes", "ORPHA:265", "--years", "2015-2024", "--expires", EXPIRES],
         "inactive"),
        (["grant", "--study", new, "--orphacodes", "abc", "--years", "2015-2024", "--expires", EXPIRES],
         "bad ORPHAcode 'abc'"),
        (["grant", "--study", new, "--orphacodes", c1, "--years", "2024-2015", "--expires", EXPIRES], "bad --years"),
        (["grant", "--study", new, "--orphacodes", c1, "--years", "2015-2024", "--expires", "2027-02-30"],
         "bad --expires"),
        (["grant", "--study", new, "--orphacodes", c1, "--years", "2015-2024", "--expires", "2020-01-01"],
         "in the past"),
        (["grant", "--study", new, *ok, "--tables", "record"], "unknown table(s) record"),
        (["grant", "--study", new, *ok, "--login-role", f"{world['tag']}_nobody"], "do not exist"),
        (["revoke", "--study", new], f"unknown study {new}"),
        (["members", "--study", new, "--add", list(world["analysts"])[2]], f"unknown study {new}"),
    ]
    for argv, message in cases:
        status, out, err = rarelog(*argv)
        assert status == 2 and message in err, (argv, err)
    monkeypatch.delenv("RARELOG_STUDY_KEY_FILE")
    monkeypatch.setenv("RARELOG_HOME", str(tmp_path))  # nor an embedded stack's secret to fall back on
    status, _, err = rarelog("grant", "--study", new, *ok)
    assert status == 2 and "no study key: set RARELOG_STUDY_KEY_FILE" in err
    monkeypatch.setenv("RARELOG_STUDY_KEY_FILE", str(world["key_file"]) + ".missing")
    status, _, err = rarelog("grant", "--study", new, *ok)
    assert status == 2 and "does not exist" in err
    with psycopg.connect(world["url"]) as conn:
        assert not conn.execute(f"SELECT 1 FROM {world['access']}.study_grant WHERE study = %s", (new,)).fetchone()
        assert not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (f"study_{new}",)).fetchone()
