"""The INSEE-format test files: the ground truth agrees with the cohort and with the lines, each
variation shows at its stated rate and does what it says, and month 2 holds month 1."""
import argparse
import json
import math
import re
from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from rarelog.cohort.generator import CohortSpec, generate
from rarelog.deaths import generate as deaths
from rarelog.deaths.generate import DeathFileSpec, lines, write
from rarelog.deaths.insee import REASONS, PartialDate, format_line, parse_line
from rarelog.deaths.places import upper
from rarelog.deaths.variations import BY_NAME, VARIATIONS

SPEC = DeathFileSpec(patients=12_000, centres=12, seed=7, month=2, lines=4_000)


@pytest.fixture(scope="module")
def cohort():
    """Per patient: the first record's identity, and the death date the registry knows."""
    persons: dict[int, dict] = {}
    for g in generate(CohortSpec(SPEC.patients, SPEC.centres, SPEC.seed)):
        entry = persons.setdefault(g.patient, {"identity": g.submission["record"]["identity"], "death": None,
                                               "traits": g.traits})
        vital = g.submission["record"]["vital_status"]
        if vital["deceased"]:
            entry["death"] = date.fromisoformat(vital["death_date"])
    return persons


@pytest.fixture(scope="module")
def generated():
    return list(lines(SPEC))


def _birth(identity) -> PartialDate:
    y, m, *d = (int(p) for p in identity["birth_date"].split("-"))
    return PartialDate(y, m, d[0] if d else None)


def test_ground_truth_is_complete_and_agrees_with_the_lines(generated):
    assert [g.truth["line"] for g in generated] == list(range(1, len(generated) + 1))
    by_line = {g.truth["line"]: g for g in generated}
    kinds = Counter(g.truth["kind"] for g in generated)
    assert kinds["death"] > 0.98 * len(generated) and kinds["duplicate"] > 0
    assert Counter(g.truth["reason"] for g in generated if g.truth["kind"] == "malformed").keys() == set(REASONS)
    for g in generated:
        t = g.truth
        assert g.text.isascii() and "\n" not in g.text
        if t["kind"] == "death":
            assert g.record.line == t["line"] and format_line(g.record)[:80] == g.text[:80]
        elif t["kind"] == "duplicate":
            earlier = by_line[t["duplicate_of"]]
            assert t["duplicate_of"] < t["line"] and earlier.text == g.text
            assert earlier.truth["kind"] == "death" and earlier.truth["patient"] == t["patient"]
        else:
            assert t["patient"] is None and parse_line(g.text).reason == t["reason"]


def test_patient_lines_are_the_cohort_patients_deaths(generated, cohort):
    patients = [g for g in generated if g.truth["kind"] == "death" and g.truth["patient"] is not None]
    assert len({g.truth["patient"] for g in patients}) == len(patients)  # nobody dies twice
    known = [g for g in patients if g.truth["registry_knows_death"]]
    dead = [p for p in cohort.values() if p["death"] and p["traits"] == "person" and p["identity"]["sex"] in "MF"]
    assert 0.9 * len(dead) < len(known) <= len(dead)
    assert all(g.truth["month"] == 1 for g in known)
    for g in patients:
        person = cohort[g.truth["patient"]]
        identity, record = person["identity"], g.record
        assert person["traits"] == "person" and record.sex == identity["sex"]
        if g.truth["registry_knows_death"]:
            assert record.death_date == PartialDate(person["death"].year, person["death"].month, person["death"].day)
        else:
            assert person["death"] is None and record.death_date.iso() > "2026-06"
            assert record.death_date.iso()[:7] <= ("2026-06" if g.truth["month"] == 1 else "2026-07")
        applied = set(g.truth["variations"])
        if not applied & {"used_name_as_surname", "surname_respelt"}:
            assert record.surname == upper(identity["birth_name"])
        if not applied & {"given_names_reordered", "extra_given_names"}:
            assert record.given_names == tuple(" ".join(upper(n) for n in identity["given_names"]).split())
        if "birth_day_unknown" not in applied:
            assert record.birth_date == _birth(identity)
        if "birth_place_recoded" not in applied:
            assert record.birth_place_code == identity["birth_place_cog"]


def _letters(name: str) -> str:
    return re.sub("[ '-]", "", name)


def test_each_variation_does_what_it_says(generated, cohort):
    seen = Counter()
    for g in generated:
        if g.truth["kind"] != "death" or g.truth["patient"] is None:
            continue
        identity, record = cohort[g.truth["patient"]]["identity"], g.record
        given = [upper(n) for n in identity["given_names"]]
        for name in g.truth["variations"]:
            seen[name] += 1
            if name == "used_name_as_surname":
                assert _letters(record.surname) == _letters(upper(identity["used_name"]))  # perhaps respelt too
            elif name == "given_names_reordered":
                assert record.given_names[0] == given[1].split()[0]
            elif name == "extra_given_names":
                assert len(record.given_names) > len(" ".join(given).split())
            elif name == "birth_day_unknown":
                assert record.birth_date == replace(_birth(identity), day=None) and _birth(identity).day
            elif name == "birth_place_recoded":
                old, new = identity["birth_place_cog"], record.birth_place_code
                city = {"751": "75056", "693": "69123", "132": "13055"}.get(old[:3])
                assert new != old and (new == city if city else new[:2] == old[:2])
    assert set(seen) >= {v.name for v in VARIATIONS} | {"trailing_junk"}


def _eligible(name: str, identity: dict, applied: set) -> bool:
    surname = upper(identity["birth_name"])
    used = upper(identity["used_name"]) if identity["used_name"] else None
    if name == "used_name_as_surname":
        return bool(used) and used != surname
    if name == "surname_respelt":
        return any(c in (used if "used_name_as_surname" in applied else surname) for c in " '-")
    if name == "given_names_reordered":
        return len(identity["given_names"]) >= 2
    if name == "birth_day_unknown":
        return _birth(identity).day is not None
    if name == "birth_place_recoded":
        return bool(identity["birth_place_cog"]) and not identity["birth_place_cog"].startswith("99")
    return True


def test_variations_come_at_their_stated_rates(generated, cohort):
    eligible, applied = Counter(), Counter()
    for g in generated:
        if g.truth["kind"] == "death" and g.truth["patient"] is not None:
            done = set(g.truth["variations"])
            for v in VARIATIONS:
                if _eligible(v.name, cohort[g.truth["patient"]]["identity"], done):
                    eligible[v.name] += 1
                    applied[v.name] += v.name in done
    for name, n in eligible.items():
        rate = BY_NAME[name].rate
        sigma = math.sqrt(n * rate * (1 - rate))
        assert n >= 20 and abs(applied[name] - n * rate) <= 4 * sigma + 1, (name, applied[name], n)


def test_strangers_and_namesakes(generated, cohort):
    strangers = [g for g in generated if g.truth["kind"] == "death" and g.truth["patient"] is None]
    assert all(not g.truth["variations"] or g.truth["variations"] == ["trailing_junk"] for g in strangers)
    junk = sum("trailing_junk" in g.truth["variations"] for g in strangers) / len(strangers)
    assert 0.01 < junk < 0.03
    namesakes = [g for g in strangers if "namesake_of" in g.truth]
    assert 0.003 * len(strangers) < len(namesakes) < 0.02 * len(strangers)
    for g in namesakes:
        identity = cohort[g.truth["namesake_of"]]["identity"]
        assert cohort[g.truth["namesake_of"]]["death"] is None
        assert g.record.surname == upper(identity["birth_name"])
        assert g.record.birth_date.year != _birth(identity).year
    certificates = Counter((g.record.death_place_code, g.record.death_date.year, int(g.record.certificate_number))
                           for g in generated if g.record)
    assert max(certificates.values()) == 1  # a commune numbers its acts of a year once


def test_month_2_holds_month_1_then_new_deaths(tmp_path, generated):
    one, two = tmp_path / "m1.txt", tmp_path / "m2.txt"
    s1, s2 = write(replace(SPEC, month=1), one), write(SPEC, two)
    first, second = one.read_bytes(), two.read_bytes()
    assert second.startswith(first) and len(second) > len(first)
    truth1 = one.with_name("m1.txt.truth.jsonl").read_text().splitlines()
    truth2 = two.with_name("m2.txt.truth.jsonl").read_text().splitlines()
    assert truth2[:len(truth1)] == truth1 and len(truth2) == s2["lines"] == len(generated)
    added = [json.loads(t) for t in truth2[len(truth1):]]
    assert all(t["month"] == 2 for t in added) and s1["lines"] == SPEC.lines
    assert len(added) == round(SPEC.lines * deaths.MONTH_2_SHARE)
    new_patients = {t["patient"] for t in added if t["kind"] == "death" and t["patient"] is not None}
    old_patients = {json.loads(t)["patient"] for t in truth1}
    assert new_patients and not new_patients & old_patients
    assert all(not t["registry_knows_death"] for t in added if t["kind"] == "death" and t["patient"] is not None)
    assert s2["patient_deaths"] > s1["patient_deaths"]
    assert second == b"".join(g.text.encode() + b"\n" for g in generated)  # the same spec, the same bytes


def test_the_command_line_hook(tmp_path, capsys):
    parser = argparse.ArgumentParser()
    deaths.add_arguments(parser)
    out = tmp_path / "deces.txt"
    args = parser.parse_args(["--patients", "200", "--centres", "4", "--seed", "3", "--lines", "1500",
                              "--month", "2", "--out", str(out)])
    assert deaths.run(args) == 0
    assert len(out.read_text().splitlines()) == 1650
    assert "1,650 lines" in capsys.readouterr().out
    too_small = parser.parse_args(["--patients", "3000", "--lines", "20", "--out", str(out)])
    assert deaths.run(too_small) == 2
    assert not out.exists()  # nothing half-written is left behind
    assert all(v.name in deaths.DESCRIPTION for v in VARIATIONS)
