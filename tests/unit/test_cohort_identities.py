"""Identities look French and are consistent (INS/NIR); errors are what they say; records are
clinically consistent."""
import random
import re
from collections import Counter, defaultdict
from datetime import date

import pytest

from rarelog.cohort import errors, identities
from rarelog.cohort.errors import fold, typo
from rarelog.cohort.generator import CohortSpec, generate


@pytest.fixture(scope="module")
def cohort():
    return list(generate(CohortSpec(4000, 12, seed=9)))


def _key(body: str) -> int:
    return 97 - int(body.replace("2A", "19").replace("2B", "18")) % 97


def test_ins_is_a_valid_nir_consistent_with_the_identity(cohort):
    checked = 0
    for g in cohort:
        ident = g.submission["record"]["identity"]
        ins = (ident["ins"] or "").replace(" ", "")
        if not ins:
            continue
        assert re.fullmatch(r"[12][0-9]{4}(2[AB]|[0-9]{2})[0-9]{8}", ins), ins
        assert int(ins[13:]) == _key(ins[:13])
        assert ins[0] == {"M": "1", "F": "2"}[ident["sex"]]
        assert ins[1:5] == ident["birth_date"][2:4] + ident["birth_date"][5:7]
        if ident["birth_place_cog"]:
            assert ins[5:10] == ident["birth_place_cog"]
        checked += 1
    assert checked > 1000


def test_names_look_french(cohort):
    first = [g.submission["record"]["identity"] for g in cohort if g.copy == 0 and g.traits == "person"]
    names = [i["birth_name"] for i in first]
    assert sum(fold(n) != n for n in names) / len(names) > 0.08                  # accents
    assert any("-" in n for n in names) and any("'" in n for n in names)         # hyphens, apostrophes
    assert any(n.startswith(("de ", "Le ", "du ", "D'")) for n in names)         # particles
    assert len(set(names)) > 0.6 * len(names)                                    # a long tail
    given = Counter(len(i["given_names"]) for i in first)
    assert set(given) == {1, 2, 3}
    women = [i for i in first if i["sex"] == "F" and i["birth_date"] < "1990"]
    assert 0.2 < sum(bool(i["used_name"]) for i in women) / len(women) < 0.6
    places = {i["birth_place_cog"] for i in first if i["birth_place_cog"]}
    assert {p[:2] for p in places} >= {"2A", "2B", "97", "99", "75"}
    abroad = [i for i in first if (i["birth_place_cog"] or "").startswith("99")]
    assert abroad and all(i["birth_country"] in (None, *_iso_codes()) and i["birth_country"] != "FR" for i in abroad)


def _iso_codes():
    from rarelog.cohort.places import COUNTRIES_BY_ORIGIN
    return {c.iso for cs in COUNTRIES_BY_ORIGIN.values() for c in cs}


def test_identity_collisions_between_different_patients_are_rare():
    """Share of patients whose (birth name, first given name, birth date, sex) another patient has."""
    rng = random.Random(3)
    keys = Counter()
    for _ in range(60_000):
        p = identities.person(rng)
        keys[(p.birth_name, p.given[0], p.birth_text, p.sex)] += 1
    shared = sum(n for n in keys.values() if n > 1)
    assert shared / 60_000 < 0.0005


def test_foetus_records_are_keyed_on_the_mother_and_the_pregnancy(cohort):
    foetuses = [g.submission["record"] for g in cohort if g.traits == "foetus"]
    assert foetuses
    for record in foetuses:
        ident = record["identity"]
        assert ident["birth_name"] is None and ident["birth_date"] is None and ident["first_given_name"] is None
        f = ident["foetus"]
        assert f["mother_birth_name"] and f["mother_first_given_name"] and f["rank"] >= 1
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", f["pregnancy_start_date"])
        assert all(a["date"] >= f["pregnancy_start_date"] for a in record["activities"])
        assert record["disease_history"] is None or record["disease_history"]["first_signs"]["period"] == "ANTENATAL" \
            if "disease_history" in record else True


def test_activities_are_ordered_follow_inclusion_and_never_follow_death(cohort):
    for g in cohort:
        record = g.submission["record"]
        days = [a["date"] for a in record["activities"]]
        assert days and days == sorted(days)
        assert record["care_pathways"][0]["inclusion_date"] <= days[0]
        assert {a["centre_id"] for a in record["activities"]} == {g.submission["centre_id"]}
        death = record["vital_status"]["death_date"]
        if death:
            assert days[-1] <= death


def test_ages_agree_with_the_dates(cohort):
    for g in cohort:
        record = g.submission["record"]
        history, born = record.get("disease_history"), record["identity"]["birth_date"]
        diagnosis = record["diagnoses"][0]
        if not history or not born or len(born) < 10 or g.errors or history["clinical_diagnosis"] is None:
            continue
        when = diagnosis["diagnosis_date"]
        age = history["clinical_diagnosis"]
        if age["period"] == "AT_AGE" and when and len(when) == 10:
            days = (date.fromisoformat(when) - date.fromisoformat(born)).days
            per_unit = {"DAYS": 1, "MONTHS": 30.44, "YEARS": 365.25}[age["unit"]]
            assert age["value"] <= days / per_unit + 1 and days / per_unit < age["value"] + 1.1


def test_multi_centre_patients_keep_a_consistent_identity_core(cohort):
    by_patient = defaultdict(list)
    for g in cohort:
        by_patient[g.patient].append(g)
    for records in by_patient.values():
        first = records[0].submission["record"]["identity"]
        for g in records[1:]:
            ident = g.submission["record"]["identity"]
            if "day_month_swapped" not in g.errors and "invalid" not in ";".join(g.errors):
                assert ident["birth_date"] == first["birth_date"]
            assert ident["sex"] == first["sex"]


def test_typo_changes_one_letter():
    rng = random.Random(1)
    for name in ("Lefèvre", "Le Goff", "D'Almeida", "Ly", "Saint-Martin", "Anaïs"):
        for _ in range(50):
            out = typo(rng, name)
            assert out != name and out.strip() and abs(len(out) - len(name)) <= 1


def test_fold_drops_accents_and_ligatures():
    assert fold("Lefèvre Œuvray Çelik Yıldız Groß") == "Lefevre OEuvray Celik Yildiz Gross"


def test_day_month_swap_only_where_it_gives_another_valid_date():
    base = {"foetus": None, "birth_date": "2001-03-04"}
    assert errors._swappable(base, date(2020, 1, 1))
    assert not errors._swappable({**base, "birth_date": "2001-03-13"}, date(2020, 1, 1))   # no 13th month
    assert not errors._swappable({**base, "birth_date": "2001-03-03"}, date(2020, 1, 1))   # the same date
    assert not errors._swappable({**base, "birth_date": "2001-03"}, date(2020, 1, 1))      # no day
    assert not errors._swappable(base, date(2001, 3, 10))   # would put the birth after the diagnosis
