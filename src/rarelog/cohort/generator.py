"""Deterministic synthetic cohort: SDM-MR submissions as JSON Lines, with the ground truth.

Streams patient by patient, so memory stays flat whatever the cohort size. About a quarter of
patients are followed in two or more centres; there each centre records the same identity.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Iterator, TextIO

from . import names


@dataclass(frozen=True)
class CohortSpec:
    patients: int
    centres: int
    seed: int = 1
    multi_centre_share: float = 0.25
    invalid_share: float = 0.0  # submissions made invalid on purpose (to show rejects)
    reference_day: date = date(2026, 1, 1)


def _zipf_choice(rng: random.Random, items: list[str], s: float = 1.1) -> str:
    weights = [1 / (rank + 1) ** s for rank in range(len(items))]
    return rng.choices(items, weights)[0]


def _patient(rng: random.Random, spec: CohortSpec, index: int) -> dict:
    sex = rng.choice(["F", "M"])
    given = rng.sample(names.FEMALE_GIVEN if sex == "F" else names.MALE_GIVEN, k=rng.choice([1, 1, 2, 3]))
    paediatric = rng.random() < 0.45
    age = rng.randint(0, 17) if paediatric else rng.randint(18, 90)
    born = date(spec.reference_day.year - age, rng.randint(1, 12), rng.randint(1, 28))
    if born > spec.reference_day:
        born = born.replace(year=born.year - 1)
    diagnoses = []
    # dict, not set: a set's order changes between processes and the cohort must not.
    for code in dict.fromkeys(_zipf_choice(rng, names.ORPHACODES) for _ in range(rng.choice([1, 1, 1, 2]))):
        delay_years = min(age, int(rng.expovariate(1 / 4)))
        when = max(date(born.year + delay_years, rng.randint(1, 12), 1), born.replace(day=1))
        status = "UNDETERMINED" if code == "ORPHA:616874" else rng.choice(names.STATUSES)
        diagnoses.append({"orphacode": code, "status": status,
                          "diagnosis_date": min(when, spec.reference_day).isoformat()[:7]})
    deceased = rng.random() < 0.04
    death = None
    if deceased:
        death = date(rng.randint(max(born.year, spec.reference_day.year - 10), spec.reference_day.year - 1),
                     rng.randint(1, 12), rng.randint(1, 28))
        death = min(max(death, born), spec.reference_day).isoformat()
    return {
        "identity": {
            "birth_name": rng.choice(names.SURNAMES), "first_given_name": given[0], "given_names": given,
            "used_name": None, "sex": sex, "birth_date": born.isoformat(),
            "birth_place_cog": rng.choice(names.BIRTH_PLACES), "ins": None,
            "local_patient_id": None,
        },
        "vital_status": {"deceased": deceased, "death_date": death, "death_due_to_rare_disease": None},
        "diagnoses": diagnoses,
    }


def _spoil(rng: random.Random, submission: dict) -> None:
    """Make a submission invalid in one of a few ways ingest must refuse."""
    record = submission["record"]
    choice = rng.randrange(3)
    if choice == 0:
        record["diagnoses"][0]["orphacode"] = "ORPHA-" + record["diagnoses"][0]["orphacode"][6:]
    elif choice == 1:
        record["identity"]["birth_date"] = "2999-01-01"
    else:
        record["identity"]["birth_name"] = " "


def submissions(spec: CohortSpec) -> Iterator[tuple[dict, int]]:
    """Yields (submission, true patient number)."""
    rng = random.Random(spec.seed)
    centres = [f"S{n:03d}" for n in range(1, spec.centres + 1)]
    for index in range(spec.patients):
        patient = _patient(rng, spec, index)
        count = 1 if rng.random() >= spec.multi_centre_share else rng.choice([2, 2, 2, 3])
        for centre in rng.sample(centres, k=min(count, len(centres))):
            local_id = f"{centre}-{index:08d}-{rng.randrange(16**4):04x}"
            record = json.loads(json.dumps(patient))  # each centre holds its own copy
            record["identity"]["local_patient_id"] = f"IPP{rng.randrange(10**9):09d}"
            submission = {"operation": "UPSERT", "centre_id": centre, "local_record_id": local_id, "record": record}
            if spec.invalid_share and rng.random() < spec.invalid_share:
                _spoil(rng, submission)
            yield submission, index


def write(spec: CohortSpec, out: Path, progress: TextIO | None = None) -> dict[str, int]:
    """Writes OUT (JSON Lines) and OUT.truth.csv (centre, local record id, true patient)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with open(out, "w", encoding="utf-8") as data, open(f"{out}.truth.csv", "w", encoding="utf-8") as truth:
        truth.write("centre_id,local_record_id,true_patient\n")
        for submission, patient in submissions(spec):
            data.write(json.dumps(submission, ensure_ascii=False) + "\n")
            truth.write(f"{submission['centre_id']},{submission['local_record_id']},{patient}\n")
            count += 1
            if progress and count % 50_000 == 0:
                progress.write(f"\r  generated {count:,} submissions")
    if progress:
        progress.write(f"\r  generated {count:,} submissions for {spec.patients:,} patients\n")
    return {"submissions": count, "patients": spec.patients}
