"""The clinical tables and the analysts' views in a real PostgreSQL, fed with RecordLinked events
made from the synthetic generator, checked against counts computed in Python from the same
generated submissions."""
import csv
import re
from collections import defaultdict
from importlib import resources

import pytest

from rarelog_registry_store.clinical_rows import TABLES

pytestmark = pytest.mark.integration
UNDIAGNOSED = "ORPHA:616874"
WITHDRAWN = 6
RANDOM_IDS = re.compile(r"[0-9a-f]{16,}")  # record keys: hex digests may hold any digits by chance


@pytest.fixture(scope="module")
def generated(cohort_events):
    return cohort_events.cohort(400, 8, seed=7)


@pytest.fixture
def loaded(warehouse, generated, cohort_events, tmp_path):
    """The cohort written in batches, then the first records withdrawn; returns the active
    (submission, event) pairs."""
    assert cohort_events.load(warehouse, generated, WITHDRAWN, tmp_path / "centres.csv", 7, 8) == 8
    return [(s, e) for s, (_, e) in generated[WITHDRAWN:]]


def by_patient(active):
    out = defaultdict(list)
    for s, e in active:
        out[e["patient_id"]].append(s)
    return out


def test_patients_by_orphacode_and_undiagnosed_share(warehouse, loaded):
    expected = defaultdict(set)
    for s, e in loaded:
        for d in s["record"]["diagnoses"]:
            if d.get("orphacode"):
                expected[d["orphacode"]].add(e["patient_id"])
    rows = warehouse.query("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode")
    assert dict(rows) == {code: len(ps) for code, ps in expected.items()}

    patients = by_patient(loaded)
    undiagnosed = [p for p, subs in patients.items()
                   if {d.get("orphacode") for s in subs for d in s["record"]["diagnoses"]} & {UNDIAGNOSED}
                   and not any(d.get("orphacode") not in (None, UNDIAGNOSED) and d["status"] != "REFUTED"
                               for s in subs for d in s["record"]["diagnoses"])]
    assert warehouse.query("SELECT patients, undiagnosed_patients FROM {analytics}.undiagnosed_share") == [
        (len(patients), len(undiagnosed))]
    assert 0.3 < len(undiagnosed) / len(patients) < 0.55


def test_patients_by_region_of_residence(warehouse, loaded, cohort_events):
    text = (resources.files("rarelog_kit") / "reference" / "departements.csv").read_text(encoding="utf-8")
    region = {r["departement"]: r["region"] for r in csv.DictReader(text.splitlines())}
    region["20"] = "94"
    latest = {}
    for s, e in loaded:  # events are in received order: the last stated residence wins
        dep = cohort_events.residence_departement(s)
        if dep:
            latest[e["patient_id"]] = dep
    expected = defaultdict(int)
    for p in by_patient(loaded):
        expected[region.get(latest.get(p))] += 1
    rows = warehouse.query("SELECT region, patients FROM {analytics}.patients_by_region")
    assert dict(rows) == dict(expected)
    assert sum(n for _, n in rows) == len(by_patient(loaded))


def test_patients_by_centre_and_centre_region(warehouse, loaded):
    expected = defaultdict(set)
    for s, e in loaded:
        expected[s["centre_id"]].add(e["patient_id"])
    rows = warehouse.query("SELECT centre_id, patients, name, region FROM {analytics}.patients_by_centre")
    assert {c: n for c, n, _, _ in rows} == {c: len(ps) for c, ps in expected.items()}
    assert all(name and name.startswith("CHU ") and region for _, _, name, region in rows)
    centre_region = dict((c, r) for c, _, _, r in rows)
    per_region = defaultdict(set)
    for s, e in loaded:
        per_region[centre_region[s["centre_id"]]].add(e["patient_id"])
    assert dict(warehouse.query("SELECT region, patients FROM {analytics}.patients_by_centre_region")) == {
        r: len(ps) for r, ps in per_region.items()}


def test_first_contact_years_and_completeness(warehouse, loaded, cohort_events):
    first = {}
    for s, e in loaded:
        year = cohort_events.first_contact_year(s)
        first[e["patient_id"]] = min(year, first.get(e["patient_id"], year))
    expected = defaultdict(int)
    for year in first.values():
        expected[year] += 1
    assert dict(warehouse.query("SELECT first_contact_year, patients FROM {analytics}.patients_by_first_contact_year")) \
        == dict(expected)

    filled = sum(bool((s["record"].get("disease_history") or {}).get("first_signs")) for s, _ in loaded)
    assert warehouse.query("SELECT records, filled_records FROM {analytics}.completeness_by_item "
                           "WHERE item = 'disease_history.first_signs'") == [(len(loaded), filled)]
    per_centre = warehouse.query("SELECT centre_id, sum(filled_records) FROM {analytics}.completeness_by_centre "
                                 "WHERE item = 'disease_history.first_signs' GROUP BY centre_id")
    assert sum(n for _, n in per_centre) == filled


def test_distributions_cover_every_patient_once(warehouse, loaded):
    patients = len(by_patient(loaded))
    for view in ("age_at_onset", "age_at_diagnosis"):
        rows = warehouse.query(f"SELECT band, patients FROM {{analytics}}.{view}")
        assert sum(n for _, n in rows) == patients, view
    delay = dict(warehouse.query("SELECT band, patients FROM {analytics}.diagnostic_delay"))
    assert delay and sum(delay.values()) <= patients
    vital = warehouse.query("SELECT patients, alive_patients + deceased_patients, deceased_patients, "
                            "deaths_due_to_rare_disease + deaths_other_cause + deaths_cause_unknown "
                            "FROM {analytics}.vital_status")[0]
    assert vital[0] == vital[1] == patients and vital[2] == vital[3] > 0
    treated = {e["patient_id"] for s, e in loaded if s["record"].get("treatments")}
    rows = warehouse.query("SELECT count(DISTINCT r.patient_id) FROM {registry}.treatment t "
                           "JOIN {registry}.record r USING (record_key) WHERE NOT r.withdrawn")
    assert rows == [(len(treated),)]


def test_withdrawn_records_lose_their_clinical_rows_and_older_versions_lose(warehouse, loaded, generated):
    gone = [e["record_key"] for _, (_, e) in generated[:WITHDRAWN]]
    for table in TABLES:
        assert warehouse.query(f"SELECT count(*) FROM {{registry}}.{table} WHERE record_key = ANY(%s)", gone) == [
            (0,)], table
    active = len(loaded)
    assert warehouse.query("SELECT count(*) FROM {registry}.record_dates") == [(active,)]
    assert warehouse.query("SELECT count(*) FROM {registry}.activity") == [
        (sum(len(s["record"]["activities"]) for s, _ in loaded),)]
    # A replayed older version changes nothing: the withdrawal stays, the rows stay gone.
    before = warehouse.snapshot()
    warehouse.write([e for _, e in generated[:WITHDRAWN]])
    assert warehouse.snapshot() == before


def test_no_identity_value_reaches_any_table_or_view(warehouse, loaded, generated):
    """As the walking skeleton checks the whole pipeline: every value of the warehouse, against
    every form of every generated identity (the centre directory's names are public data)."""
    from tests.integration.cohort import death_dates, identity_strings
    submissions = [s for s, _ in generated]
    needles = identity_strings([s["record"]["identity"] for s in submissions], death_dates(submissions))
    texts = []
    for schema in (warehouse.registry, warehouse.analytics):
        for (rel,) in warehouse.query("SELECT table_name FROM information_schema.tables WHERE table_schema = %s "
                                      "AND table_name <> 'centre'", schema):
            texts += [r[0] for r in warehouse.query(f'SELECT t::text FROM {schema}."{rel}" t')]
    text = RANDOM_IDS.sub("#", "\n".join(texts))
    assert len(needles) > 100 and len(text) > 100_000
    assert not sorted(n for n in needles if n in text)
