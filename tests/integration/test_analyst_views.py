"""Every analyst view (docs/warehouse.md, `analytics`), end to end through the real services, checked
against counts computed here in Python from the submitted synthetic cohort: the submissions' clinical
fields, centres, diagnoses and vital status, grouped into patients as the reconciler's decisions on
the log group them (linkage_replay, itself checked against the cohort's ground truth). Published
views: the same expected counts with the suppression rule applied on top."""
from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from importlib import resources

import pytest

from rarelog.cohort.centres import directory, write_directory
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PSEUDONYMIZED_RECORDS
from rarelog_pseudonymizer.domain import record_key
from rarelog_registry_store.completeness import ITEMS
from rarelog_registry_store.reference_store import load_centre_directory
from tests.integration import cohort as cohorts
from tests.integration import linkage_replay
from tests.integration.test_walking_skeleton import publish

pytestmark = pytest.mark.integration

UNDIAGNOSED = "ORPHA:616874"
CENTRES, SEED = 8, 23
CATALOG = AvroCatalog()


# ---------------------------------------------------------------- shared small functions

def day(text: str | None) -> tuple | None:
    """A JSON partial date as a sortable tuple, unknown parts first ("2015" before "2015-03-02")."""
    if not text:
        return None
    parts = [int(p) for p in text.split("-")]
    return tuple(parts + [0] * (3 - len(parts)))


def region_of() -> dict[str, str]:
    text = (resources.files("rarelog_kit") / "reference" / "departements.csv").read_text(encoding="utf-8")
    return {r["departement"]: r["region"] for r in csv.DictReader(text.splitlines())}


def residence_departement(record: dict) -> str | None:
    """INSEE département of residence; 99 abroad; 20 for Corsica known by postal code only."""
    res = record.get("residence")
    if not res:
        return None
    if res.get("country", "FR") != "FR":
        return "99"
    code = res.get("commune_cog")
    if not code:
        postal = res.get("postal_code") or ""
        if not (len(postal) == 5 and postal.isdigit()):
            return None
        code = postal
    return code[:3] if code[:2] in ("97", "98") else code[:2]


def count(groups: dict) -> dict:
    """{key: set of patients} → {key: number of patients}."""
    return {k: len(v) for k, v in groups.items()}


def share(n: int, d: int) -> Decimal | None:
    return round(Decimal(n) / Decimal(d), 4) if d else None


class Active:
    """The active records as submitted: (patient, received order, submission), and per patient."""

    def __init__(self, records: list[tuple[str, tuple, dict]]):
        self.records = records
        self.by_patient: dict[str, list[tuple[tuple, dict]]] = defaultdict(list)
        for patient, received, s in records:
            self.by_patient[patient].append((received, s))

    def patients(self) -> set[str]:
        return set(self.by_patient)

    def diagnoses(self):
        for patient, _, s in self.records:
            for d in s["record"]["diagnoses"]:
                yield patient, d


# ---------------------------------------------------------------- expected, one helper per family

def expected_orphacodes_and_undiagnosed(a: Active) -> tuple[dict, tuple]:
    by_code = defaultdict(set)
    for patient, d in a.diagnoses():
        if d.get("orphacode"):
            by_code[d["orphacode"]].add(patient)
    undiagnosed = 0
    for patient, recs in a.by_patient.items():
        diags = [d for _, s in recs for d in s["record"]["diagnoses"]]
        coded = any(d.get("orphacode") == UNDIAGNOSED for d in diags)
        other = any(d.get("orphacode") not in (None, UNDIAGNOSED) and d.get("status") != "REFUTED" for d in diags)
        undiagnosed += coded and not other
    n = len(a.by_patient)
    return count(by_code), (n, undiagnosed, share(undiagnosed, n))


def expected_residence(a: Active) -> tuple[dict, dict]:
    """(departement, region) → patients, and region → patients: the residence of the patient's most
    recently received active record that states one (received order: ingest's received_at, then
    record version, as the SQL orders)."""
    regions = region_of()
    by_dep = defaultdict(int)
    for patient, recs in a.by_patient.items():
        stated = [(received, residence_departement(s["record"])) for received, s in recs
                  if residence_departement(s["record"])]
        dep = max(stated)[1] if stated else None
        region = regions.get(dep) or ("94" if dep == "20" else None)
        by_dep[(dep, region)] += 1
    by_region = defaultdict(int)
    for (_, region), n in by_dep.items():
        by_region[region] += n
    return dict(by_dep), dict(by_region)


def expected_centres(a: Active, centres: dict[str, dict]) -> tuple[dict, dict]:
    patients, records, per_region = defaultdict(set), defaultdict(int), defaultdict(set)
    for patient, _, s in a.records:
        patients[s["centre_id"]].add(patient)
        records[s["centre_id"]] += 1
        per_region[(centres.get(s["centre_id"]) or {}).get("region")].add(patient)
    by_centre = {}
    for c in patients:
        info = centres.get(c) or {}
        by_centre[c] = (info.get("name"), info.get("departement"), info.get("region"), len(patients[c]), records[c])
    return by_centre, count(per_region)


def first_contact(record: dict) -> tuple | None:
    """The earliest activity date or care pathway inclusion date; the creation date when neither."""
    dated = [day(x.get("date")) for x in record.get("activities") or []]
    dated += [day(c.get("inclusion_date")) for c in record.get("care_pathways") or []]
    dated = [d for d in dated if d]
    return min(dated) if dated else day((record.get("record_dates") or {}).get("created"))


def expected_first_contact_years(a: Active) -> dict:
    out = defaultdict(int)
    for recs in a.by_patient.values():
        years = [fc[0] for _, s in recs if (fc := first_contact(s["record"]))]
        out[min(years) if years else None] += 1
    return dict(out)


UNIT_YEARS = {"DAYS": 1 / 365.25, "WEEKS": 7 / 365.25, "MONTHS": 1 / 12, "YEARS": 1.0}
AGE_BANDS = [("< 1 year", 0, 1), ("1-4 years", 1, 5), ("5-9 years", 5, 10), ("10-17 years", 10, 18),
             ("18-39 years", 18, 40), ("40-59 years", 40, 60), ("60+ years", 60, float("inf"))]
DELAY_BANDS = [("diagnosed before first signs", float("-inf"), 0), ("< 1 year", 0, 1), ("1-4 years", 1, 5),
               ("5-9 years", 5, 10), ("10-19 years", 10, 20), ("20+ years", 20, float("inf"))]
AGE_ORDER = {"antenatal": 1, "at birth": 2, **{b: i + 3 for i, (b, _, _) in enumerate(AGE_BANDS)},
             "undetermined": 20, "no signs": 21, "post mortem": 22, "other": 23, "not recorded": 30}
DELAY_ORDER = {b: i + 1 for i, (b, _, _) in enumerate(DELAY_BANDS)}


def age_years(age: dict) -> float | None:
    """AgeAt in years: AT_AGE value × unit (rounded to 4 places, as stored), 0 antenatal or at birth."""
    if age["period"] in ("ANTENATAL", "NEONATAL"):
        return 0.0
    if age["period"] == "AT_AGE" and age.get("value") is not None and age.get("unit") in UNIT_YEARS:
        return round(age["value"] * UNIT_YEARS[age["unit"]], 4)
    return None


def in_band(bands, years: float) -> str:
    return next(b for b, low, high in bands if low <= years < high)


def age_band(age: dict | None) -> str:
    if age is None:
        return "not recorded"
    period, years = age["period"], age_years(age)
    special = {"ANTENATAL": "antenatal", "NEONATAL": "at birth", "UNDETERMINED": "undetermined",
               "NO_SIGNS": "no signs", "POST_MORTEM": "post mortem"}
    if period in special:
        return special[period]
    return "other" if years is None else in_band(AGE_BANDS, years)


def patient_age(recs, event: str) -> dict | None:
    """The earliest age the patient's records state for the event (a stated age before a bare
    period; ties by period name, as the SQL orders)."""
    ages = [h[event] for _, s in recs if (h := s["record"].get("disease_history")) and h.get(event)]
    ages = [x for x in ages if x.get("period")]
    if not ages:
        return None
    return min(ages, key=lambda x: (age_years(x) is None, age_years(x) or 0.0, x["period"]))


def expected_ages(a: Active) -> tuple[dict, dict, dict]:
    onset, diagnosis, delay = defaultdict(int), defaultdict(int), defaultdict(int)
    for recs in a.by_patient.values():
        first, dx = patient_age(recs, "first_signs"), patient_age(recs, "clinical_diagnosis")
        onset[age_band(first)] += 1
        diagnosis[age_band(dx)] += 1
        if first and dx and age_years(first) is not None and age_years(dx) is not None:
            delay[in_band(DELAY_BANDS, age_years(dx) - age_years(first))] += 1
    return dict(onset), dict(diagnosis), dict(delay)


def death_of(recs) -> tuple[bool, bool | None]:
    """(deceased by any record, cause: True if any record says due, False if some says not and
    none due, None if none states it)."""
    vitals = [s["record"].get("vital_status") or {} for _, s in recs]
    deceased = any(bool(v.get("deceased")) for v in vitals)
    causes = {v.get("death_due_to_rare_disease") for v in vitals} - {None}
    return deceased, (True if True in causes else False if causes else None)


def expected_vital_and_deaths(a: Active) -> tuple[tuple, dict]:
    vital = defaultdict(int)
    for recs in a.by_patient.values():
        deceased, due = death_of(recs)
        vital["patients"] += 1
        vital["deceased" if deceased else "alive"] += 1
        if deceased:
            vital[{True: "due", False: "other", None: "unknown"}[due]] += 1
    by_code = defaultdict(lambda: [set(), set(), set()])
    for patient, d in a.diagnoses():
        if d.get("orphacode"):
            deceased, due = death_of(a.by_patient[patient])
            cells = by_code[d["orphacode"]]
            cells[0].add(patient)
            if deceased:
                cells[1].add(patient)
                if due:
                    cells[2].add(patient)
    return (tuple(vital[k] for k in ("patients", "alive", "deceased", "due", "other", "unknown")),
            {code: tuple(map(len, cells)) for code, cells in by_code.items()})


def expected_treatments(a: Active) -> dict:
    treated, ongoing = defaultdict(set), defaultdict(set)
    for patient, _, s in a.records:
        for t in s["record"].get("treatments") or []:
            key = (t.get("atc"), t.get("orphan_medicine_code"))
            treated[key].add(patient)
            if not t.get("end"):
                ongoing[key].add(patient)
    return {k: (len(ps), len(ongoing[k])) for k, ps in treated.items()}


def _set(value) -> bool:
    return value not in (None, "UNKNOWN", []) and value != ""


def item_filled(record: dict, item: str) -> bool:
    """Whether a submitted record fills an SDM-MR item (docs/warehouse.md, Completeness: a value
    that says something; UNKNOWN, OTHER or an empty list say nothing)."""
    group, name = item.split(".")
    if group == "identity":
        value = record["identity"].get(name)
        return bool(value) and value != "UNKNOWN"
    if group == "residence":
        return residence_departement(record) is not None
    if group in ("diagnoses", "care_pathways", "activities"):
        if item == "diagnoses.code":
            return any(d.get("orphacode") or d.get("icd10") for d in record[group])
        empty = ("INC", "OTHER") if name == "heredity" else ("OTHER",)
        return any(_set(x.get(name)) and x.get(name) not in empty for x in record.get(group) or [])
    return _set((record.get(group) or {}).get(name))


def expected_completeness(a: Active) -> tuple[dict, dict]:
    records, filled = defaultdict(int), defaultdict(int)
    for _, _, s in a.records:
        records[s["centre_id"]] += 1
        for i in ITEMS:
            filled[(s["centre_id"], i.item)] += item_filled(s["record"], i.item)
    by_centre = {(c, i.item): (n, filled[(c, i.item)], share(filled[(c, i.item)], n))
                 for c, n in records.items() for i in ITEMS}
    total = sum(records.values())
    by_item = {}
    for i in ITEMS:
        f = sum(filled[(c, i.item)] for c in records)
        by_item[i.item] = (total, f, share(f, total))
    return by_centre, by_item


def expected_patient_count(a: Active, events: list[tuple[str, dict]]) -> tuple:
    reviews = {}
    for name, e in events:
        if name == "PossibleMatch":
            reviews.setdefault(e["review_id"], e["patient_id"])
        elif name == "PossibleMatchResolved":
            reviews.pop(e["review_id"], None)
    provisional = set(reviews.values()) & a.patients()
    kinds = [name for name, _ in events]
    return (len(a.patients()), len(provisional), len(reviews), kinds.count("PatientsMerged"),
            kinds.count("PatientSplit"))


# ---------------------------------------------------------------- suppression (docs: Disclosure control)

def suppressed_cells(cells: dict, t: int, order=lambda k: k, parent_suppressed: bool = False) -> set:
    """Keys of a margin's suppressed cells: 1..t-1 (primary); then, if one primary cell or several
    summing below t, the smallest shown non-zero cell (ties by key); all non-zero cells when the
    margin's total is itself suppressed."""
    if parent_suppressed:
        return {k for k, n in cells.items() if n > 0}
    primary = {k for k, n in cells.items() if 1 <= n < t}
    if primary and (len(primary) == 1 or sum(cells[k] for k in primary) < t):
        shown = sorted((k for k, n in cells.items() if n >= t), key=lambda k: (cells[k], order(k)))
        primary |= set(shown[:1])
    return primary


def nulls_first(k):
    return (k is not None, k if k is not None else "")


def check_published(rows: dict, expected: dict, suppressed: set, t: int) -> None:
    """rows: key → (count or NULL, flag). Every primary cell (1..t-1) is NULL and flagged; the
    suppressed set is exactly the rule's; every other cell shows its exact count."""
    assert set(rows) == set(expected)
    for k, n in expected.items():
        shown, flag = rows[k]
        if 1 <= n < t:
            assert shown is None and flag, (k, n)
        if k in suppressed:
            assert shown is None and flag, (k, n)
        else:
            assert shown == n and flag is False, (k, n, shown, flag)


# ---------------------------------------------------------------- the test

def test_every_analyst_view_matches_the_cohort(pipeline, tmp_path):
    cohort = cohorts.build(patients=300, centres=CENTRES, seed=SEED)
    centres_csv = tmp_path / "centres.csv"
    write_directory(SEED, CENTRES, centres_csv)
    pipeline.start_all()
    publish(pipeline, cohort.messages)
    pipeline.wait_caught_up()
    assert load_centre_directory(pipeline.database_url, centres_csv, pipeline.schema) == CENTRES

    # Patients: the reconciler's grouping, replayed on the log, close to the truth.
    events, state = linkage_replay.replay(pipeline)
    truth = cohort.truth(pipeline.key)
    patient_of = {k: state.patient_of_record(k) for k in truth}
    assert len(set(truth.values())) < len(truth), "the cohort must hold multi-centre patients"
    assert linkage_replay.pairwise_f1(patient_of, truth) >= 0.97
    assert len(cohort.withdrawn) == 3
    # Received order (received_at, then record version = the record's offset in the pseudonymised
    # records' topic, as the reconciler numbers versions), read from that topic.
    received = {}
    for m in pipeline.read_topic(PSEUDONYMIZED_RECORDS):
        v = CATALOG.decode(m.value()).value
        if v.get("operation") != "WITHDRAW":
            received[v["record_key"]] = max(filter(None, [received.get(v["record_key"]),
                                                          (v["received_at"], m.offset())]))
    keys = [record_key(pipeline.key, s["centre_id"], s["local_record_id"]) for s, _ in cohort.active]
    a = Active([(patient_of[k], received[k], s) for k, (s, _) in zip(keys, cohort.active)])
    [(t,)] = pipeline.query("SELECT threshold FROM {registry}.disclosure_setting")
    q = pipeline.query

    # By ORPHAcode, undiagnosed share.
    by_code, (n, undiagnosed, undiagnosed_share) = expected_orphacodes_and_undiagnosed(a)
    assert by_code == cohort.expected_by_orphacode(pipeline.key, patient_of)
    assert dict(q("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode")) == by_code
    [row] = q("SELECT patients, undiagnosed_patients, undiagnosed_share FROM {analytics}.undiagnosed_share")
    assert row[:2] == (n, undiagnosed) and float(row[2]) == pytest.approx(float(undiagnosed_share))
    assert 0 < undiagnosed < n
    rows = {c: (p, s) for c, p, s in
            q("SELECT orphacode, patients, suppressed FROM {analytics}.published_patients_by_orphacode")}
    check_published(rows, by_code, {c for c, k in by_code.items() if 1 <= k < t}, t)
    [pub] = q("SELECT patients, undiagnosed_patients, undiagnosed_share, patients_suppressed, "
              "undiagnosed_patients_suppressed FROM {analytics}.published_undiagnosed_share")
    hide = undiagnosed > 0 and (1 <= undiagnosed < t or 1 <= n - undiagnosed < t)
    assert pub[0] == n and pub[3] is False and pub[4] is hide
    assert pub[1:3] == ((None, None) if hide else (undiagnosed, row[2]))

    # Residence: département, région.
    by_dep, by_region = expected_residence(a)
    assert {(d, r): p for d, r, p in q("SELECT departement, region, patients FROM {analytics}.patients_by_departement")} \
        == by_dep
    assert dict(q("SELECT region, patients FROM {analytics}.patients_by_region")) == by_region
    assert sum(by_region.values()) == n
    region_hidden = suppressed_cells(by_region, t, nulls_first)
    rows = {r: (p, s) for r, p, s in q("SELECT region, patients, suppressed FROM {analytics}.published_patients_by_region")}
    check_published(rows, by_region, region_hidden, t)
    dep_hidden = set()
    for region in by_region:
        cells = {k: p for k, p in by_dep.items() if k[1] == region}
        dep_hidden |= suppressed_cells(cells, t, lambda k: nulls_first(k[0]), region in region_hidden)
    rows = {(d, r): (p, s) for d, r, p, s in
            q("SELECT departement, region, patients, suppressed FROM {analytics}.published_patients_by_departement")}
    check_published(rows, by_dep, dep_hidden, t)

    # Centres (directory loaded) and the régions of the centres.
    regions = region_of()
    centres = {c["centre_id"]: {**c, "region": regions.get(c["departement"])} for c in directory(SEED, CENTRES)}
    by_centre, by_centre_region = expected_centres(a, centres)
    assert {c: rest for c, *rest in q("SELECT centre_id, name, departement, region, patients, records "
                                      "FROM {analytics}.patients_by_centre")} == {c: list(v) for c, v in by_centre.items()}
    assert all(v[2] for v in by_centre.values()), "every centre is in the directory"
    assert dict(q("SELECT region, patients FROM {analytics}.patients_by_centre_region")) == by_centre_region

    # First contact year.
    years = expected_first_contact_years(a)
    assert dict(q("SELECT first_contact_year, patients FROM {analytics}.patients_by_first_contact_year")) == years
    rows = {y: (p, s) for y, p, s in
            q("SELECT first_contact_year, patients, suppressed FROM {analytics}.published_patients_by_first_contact_year")}
    check_published(rows, years, suppressed_cells(years, t, nulls_first), t)

    # Ages and diagnostic delay.
    onset, diagnosis, delay = expected_ages(a)
    assert sum(onset.values()) == sum(diagnosis.values()) == n and delay
    for view, expected, order in (("age_at_onset", onset, AGE_ORDER), ("age_at_diagnosis", diagnosis, AGE_ORDER),
                                  ("diagnostic_delay", delay, DELAY_ORDER)):
        rows = q(f"SELECT band, band_order, patients FROM {{analytics}}.{view}")
        assert {b: p for b, _, p in rows} == expected, view
        assert all(order[b] == o for b, o, _ in rows), view
        published = {b: (p, s) for b, p, s in q(f"SELECT band, patients, suppressed FROM {{analytics}}.published_{view}")}
        check_published(published, expected, suppressed_cells(expected, t, order.get), t)

    # Vital status and deaths by ORPHAcode.
    vital, deaths = expected_vital_and_deaths(a)
    assert q("SELECT patients, alive_patients, deceased_patients, deaths_due_to_rare_disease, deaths_other_cause, "
             "deaths_cause_unknown FROM {analytics}.vital_status") == [vital]
    assert vital[0] == n and vital[2] > 0
    [pub] = q("SELECT patients, alive_patients, deceased_patients, deaths_due_to_rare_disease, deaths_other_cause, "
              "deaths_cause_unknown, patients_suppressed, alive_patients_suppressed, deceased_patients_suppressed, "
              "deaths_due_to_rare_disease_suppressed, deaths_other_cause_suppressed, deaths_cause_unknown_suppressed "
              "FROM {analytics}.published_vital_status")
    patients_s = 1 <= vital[0] < t
    small_top = patients_s or any(1 <= x < t for x in vital[1:3])
    hidden = {i for i in (1, 2) if vital[i] > 0 and small_top}
    causes = dict(zip((3, 4, 5), vital[3:]))
    hidden |= suppressed_cells(causes, t, {3: "due", 4: "other", 5: "unknown"}.get, 2 in hidden)
    for i in range(6):
        flag = patients_s if i == 0 else i in hidden
        assert pub[6 + i] is flag, i
        assert pub[i] == (None if flag else vital[i]), i
    assert {c: (p, d, due) for c, p, d, due in q(
        "SELECT orphacode, patients, deceased_patients, deaths_due_to_rare_disease FROM {analytics}.deaths_by_orphacode")} \
        == deaths

    # Treatments.
    treatments = expected_treatments(a)
    assert treatments
    assert {(atc, om): (p, o) for atc, om, p, o in q(
        "SELECT atc, orphan_medicine_code, patients, patients_ongoing FROM {analytics}.patients_by_treatment")} \
        == treatments

    # Completeness, by centre and by item.
    comp_centre, comp_item = expected_completeness(a)
    rows = q("SELECT centre_id, item, records, filled_records, filled_share FROM {analytics}.completeness_by_centre")
    got = {(c, i): (r, f, s) for c, i, r, f, s in rows}
    assert set(got) == set(comp_centre)
    for k, (r, f, s) in comp_centre.items():
        assert got[k][:2] == (r, f), k
        assert float(got[k][2]) == pytest.approx(float(s)), k
    rows = q("SELECT item, item_group, item_order, records, filled_records, filled_share "
             "FROM {analytics}.completeness_by_item")
    order = {i.item: (i.group, pos) for pos, i in enumerate(ITEMS)}
    assert {i for i, *_ in rows} == set(comp_item)
    for item, group, item_order, r, f, s in rows:
        assert group == order[item][0]
        assert (r, f) == comp_item[item][:2], item
        assert float(s) == pytest.approx(float(comp_item[item][2])), item
    assert sorted(rows, key=lambda r: r[2]) == sorted(rows, key=lambda r: order[r[0]][1])
    published = q("SELECT item, records, filled_records, filled_share, records_suppressed, filled_records_suppressed "
                  "FROM {analytics}.published_completeness_by_item")
    for item, r, f, s, r_s, f_s in published:
        total, filled, exact = comp_item[item]
        hide = filled > 0 and (1 <= filled < t or 1 <= total - filled < t)
        assert (r, r_s) == (total, False), item
        assert f_s is hide and (f, s) == ((None, None) if hide else (filled, exact)), item

    # Patient count (and what explains it).
    assert q("SELECT patients, provisional_patients, pending_reviews, merges, splits FROM {analytics}.patient_count") \
        == [expected_patient_count(a, events)]
