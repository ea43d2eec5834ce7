"""INSEE deaths end to end over the real broker and database: `rarelog deaths import` on a file
holding registry patients' deaths among strangers; the vital-status view shows them with source
INSEE, a death contradicting a centre's report shows as a conflict, a second import changes
nothing, and no identity of the file reaches a topic."""
from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta

import pytest

from rarelog.deaths.insee import DeathRecord, PartialDate, format_line
from rarelog_kit.topics import DEATH_OUTCOMES, PATIENT_EVENTS, PSEUDONYMIZED_DEATHS, RECONCILER_CHANGELOG
from rarelog_pseudonymizer.domain import record_key
from tests.integration import cohort as cohorts

pytestmark = pytest.mark.integration

INSEE_DEATH = date(2026, 6, 20)  # after every date of the cohort (it ends on 1 June 2026)


def _line(identity: dict, *, given=None, birth_day=True, died: date = INSEE_DEATH, number: int = 1) -> str:
    y, m, d = (int(p) for p in identity["birth_date"].split("-"))
    return format_line(DeathRecord(
        identity["birth_name"].upper(), tuple(g.upper() for g in (given or identity["given_names"])), identity["sex"],
        PartialDate(y, m, d if birth_day else None), identity.get("birth_place_cog"), "LIEU DE NAISSANCE", None,
        PartialDate(died.year, died.month, died.day), "75056", str(number)))


def _stranger(n: int) -> str:
    return format_line(DeathRecord(f"ZQWYXSTRANGER{chr(65 + n)}", ("OSVALDINE",), "F", PartialDate(1931, 2, 1 + n),
                                   "33063", "BORDEAUX", None, PartialDate(2026, 5, 3), "33063", str(900 + n)))


def _people(cohort):
    """Single-record persons with a full birth date and a sex: alive ones, and dead ones with a date."""
    records: dict[int, list[dict]] = {}
    for s, patient in cohort.active:
        records.setdefault(patient, []).append(s)
    alive, dead = [], []
    for patient, subs in records.items():
        ident = subs[0]["record"]["identity"]
        if len(subs) != 1 or ident.get("foetus") or ident["sex"] not in ("M", "F") or len(ident["birth_date"]) != 10:
            continue
        vital = subs[0]["record"]["vital_status"]
        if vital["deceased"] and len(vital.get("death_date") or "") == 10:
            dead.append(subs[0])
        elif not vital["deceased"] and len(ident["given_names"]) >= 1:
            alive.append(subs[0])
    return alive, dead


def _import(pipeline, path) -> str:
    done = subprocess.run([sys.executable, "-m", "rarelog", "deaths", "import", str(path), "--timeout", "180"],
                          env=pipeline.service_env(), capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _count(text: str, label: str) -> int:
    """The figure the summary gives for `label` ("label: N", "label   N" or "N label")."""
    found = re.search(rf"{re.escape(label)}:?\s+([\d,]+)", text) or re.search(rf"([\d,]+) {re.escape(label)}", text)
    assert found, f"{label!r} not in the summary:\n{text}"
    return int(found[1].replace(",", ""))


def test_insee_deaths_are_verified_and_conflicts_flagged(pipeline, tmp_path):
    cohort = cohorts.build(patients=120, centres=6, seed=5, withdraw=0, invalid=False)
    alive, dead = _people(cohort)
    assert len(alive) >= 2 and dead, "the cohort must hold living and dead single-record persons"
    exact, day_unknown, contradicted = alive[0], alive[1], dead[0]
    reported = date.fromisoformat(contradicted["record"]["vital_status"]["death_date"])
    lines = [_stranger(0), _line(exact["record"]["identity"], number=11), _stranger(1),
             # INSEE's civil status: birth day written 00, one more given name
             _line(day_unknown["record"]["identity"], birth_day=False, number=12,
                   given=[*day_unknown["record"]["identity"]["given_names"], "Eudoxie"]),
             _line(contradicted["record"]["identity"], died=reported + timedelta(days=400), number=13),
             "TOO SHORT*LINE/", _stranger(2)]
    lines.append(lines[1])  # an exact duplicate, as the real files have
    path = tmp_path / "deces-2026-m06.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    pipeline.start_all()
    cohorts_publish(pipeline, cohort)
    pipeline.wait_caught_up()

    first = _import(pipeline, path)
    assert _count(first, "lines read") == 8 and _count(first, "exact duplicates") == 1
    assert "too-short" in first and _count(first, "deaths published") == 6
    assert _count(first, "verified (new)") == 3 and _count(first, "unmatched") == 3
    assert _count(first, "by exact-pseudonym") == 2 and _count(first, "by encodings-birth-date") == 1
    assert _count(first, "conflicts with a centre's report (flagged in the warehouse, not applied)") == 1

    def patient(s) -> str:
        key = record_key(pipeline.key, s["centre_id"], s["local_record_id"])
        [(pid,)] = pipeline.query("SELECT patient_id FROM {registry}.record WHERE record_key = %s", key)
        return pid

    view = "SELECT death_date, death_date_source, insee_death_date, insee_match_step, conflict, deceased " \
           "FROM {registry}.patient_vital_status WHERE patient_id = %s"
    assert pipeline.query(view, patient(exact)) == [(INSEE_DEATH, "INSEE", INSEE_DEATH, "exact-pseudonym", False, True)]
    assert pipeline.query(view, patient(day_unknown)) == [
        (INSEE_DEATH, "INSEE", INSEE_DEATH, "encodings-birth-date", False, True)]
    later = reported + timedelta(days=400)
    assert pipeline.query(view, patient(contradicted)) == [(reported, "centre", later, "exact-pseudonym", True, True)]
    conflicts = pipeline.query("SELECT patient_id, reason FROM {registry}.vital_status_conflict")
    assert [p for p, _ in conflicts] == [patient(contradicted)] * len(conflicts) and conflicts

    # Importing the same file again, or within next month's, adds nothing.
    events_before = pipeline.read_topic(PATIENT_EVENTS)
    second = _import(pipeline, path)
    assert _count(second, "verified (new)") == 0 and _count(second, "already verified") == 3
    pipeline.wait_caught_up()
    assert len(pipeline.read_topic(PATIENT_EVENTS)) == len(events_before)
    [(rows,)] = pipeline.query("SELECT count(*) FROM {registry}.death_verified")
    assert rows == 3

    # Nothing of the file's identities travels: names, birth dates, certificate numbers.
    secrets = {"ZQWYXSTRANGER", "OSVALDINE", "EUDOXIE", "LIEU DE NAISSANCE"}
    for s in (exact, day_unknown, contradicted):
        ident = s["record"]["identity"]
        secrets |= {ident["birth_name"].upper(), ident["birth_date"].replace("-", "")}
    for topic in (PSEUDONYMIZED_DEATHS, DEATH_OUTCOMES, PATIENT_EVENTS, RECONCILER_CHANGELOG):
        blob = b"\n".join(m.value() or b"" for m in pipeline.read_topic(topic)).upper()
        leaked = [x for x in secrets if len(x) >= 5 and x.encode() in blob]
        assert not leaked, f"{topic} carries {leaked}"
    pipeline.assert_running()


def cohorts_publish(pipeline, cohort) -> None:
    from rarelog.client import SubmissionPublisher

    publisher = SubmissionPublisher(pipeline.bootstrap, topic_prefix=pipeline.prefix)
    for key, value in cohort.messages:
        publisher.publish_raw(key, value)
    publisher.flush()
