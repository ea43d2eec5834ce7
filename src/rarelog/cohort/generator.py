"""Deterministic synthetic national cohort: SDM-MR submissions as JSON Lines, with the ground truth.

Streams patient by patient (a patient's twin or foetus comes right after it), so memory stays
flat whatever the cohort size: the only state kept across patients is per centre. One seeded
`random.Random` drives the content; a second one, seeded apart, decides the invalid
submissions, so that the valid content does not depend on --invalid-share.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator, TextIO

from . import clinical, identities
from .centres import write_directory
from .care import rpps, stays
from .clinical import Course
from .codes import Disorder
from .dates import plus, text, uniform_day
from .errors import apply_errors, eligible_kinds
from .identities import Foetus, Person
from .invalid import spoil
from .params import (FOETUS_SHARE, INS_SHARE, MULTI_CENTRE_COUNTS, MULTI_CENTRE_SHARE, REFERENCE_DAY, TWIN_SHARE)
from .record import Context, clinical as clinical_groups
from .sampling import Weighted

PREGNANT_SHARE = 0.015       # women of 18-45 followed during a pregnancy
FOETUS_OF_MOTHER = 0.35      # ... whose foetus is then a patient too
MOVED_SHARE = 0.1            # further records holding another (older) address
_MULTI = Weighted.of(MULTI_CENTRE_COUNTS)
_LOST_OUTCOMES = Weighted(("MEDICAL_ABORTION", "FETAL_DEATH", "SPONTANEOUS_ABORTION"), (75, 10, 15))


@dataclass(frozen=True)
class CohortSpec:
    patients: int
    centres: int
    seed: int = 1
    multi_centre_share: float = MULTI_CENTRE_SHARE
    invalid_share: float = 0.0  # submissions made invalid on purpose (to show rejects)

    @property
    def reference_day(self) -> date:
        """Nothing in the cohort is later; check it with ingest's 'today' set to this day."""
        return REFERENCE_DAY


@dataclass(slots=True)
class Generated:
    submission: dict
    patient: int
    traits: str                  # "person" or "foetus": which key traits identify the record
    copy: int                    # 0: the patient's first record, with the true identity
    errors: list[str]            # identity error kinds applied, then invalid:<code> if spoiled
    eligible: tuple[str, ...]    # error kinds that could apply (further records only)


@dataclass(slots=True)
class _Patient:
    who: Person | Foetus
    course: Course
    ctx: Context


class _Centre:
    """Per-centre state: id scrambles (local record ids and IPPs unique per centre, unrelated to
    the patient number), a few physicians, and the centre's habits of data entry."""

    __slots__ = ("id", "count", "a", "b", "c", "d", "prefix", "upper", "spaced_ins", "country", "physicians")

    def __init__(self, seed: int, number: int) -> None:
        rng = random.Random(seed * 1_000_003 + number)
        self.id, self.count = f"S{number:03d}", 0
        # n -> (a*n + b) mod 10^k is a bijection when a is prime to 10.
        self.a, self.b = 1 + 10 * int(rng.random() * 10**7) + 2, int(rng.random() * 10**9)
        self.c, self.d = 1 + 10 * int(rng.random() * 10**8) + 6, int(rng.random() * 10**10)
        self.prefix = ("", "D", "BMR-", "DOS")[int(rng.random() * 4)]
        self.upper = rng.random() < 0.25        # family names in capitals
        self.spaced_ins = rng.random() < 0.15   # INS written in groups
        self.country = rng.random() < 0.7       # records the birth country
        self.physicians = [rpps(rng) for _ in range(6 + int(rng.random() * 15))]

    def next_ids(self) -> tuple[str, str]:
        n, self.count = self.count, self.count + 1
        return f"{self.prefix}{(self.a * n + self.b) % 10**9:09d}", f"{(self.c * n + self.d) % 10**10:010d}"

    def style(self, identity: dict) -> None:
        if self.upper:
            for key in ("birth_name", "used_name"):
                if identity[key]:
                    identity[key] = identity[key].upper()
            if identity["foetus"] is not None:
                for key in ("mother_birth_name", "mother_used_name"):
                    if identity["foetus"][key]:
                        identity["foetus"][key] = identity["foetus"][key].upper()
        if self.spaced_ins and identity["ins"]:
            i = identity["ins"]
            identity["ins"] = f"{i[0]} {i[1:3]} {i[3:5]} {i[5:7]} {i[7:10]} {i[10:13]} {i[13:]}"
        if not self.country:
            identity["birth_country"] = None


class _Centres:
    def __init__(self, spec: CohortSpec) -> None:
        self.seed, self.count = spec.seed, max(1, spec.centres)
        self.weights = Weighted.zipf(range(1, self.count + 1), 0.5, 1)  # a few large centres
        self.states: dict[int, _Centre] = {}

    def sample(self, rng: random.Random, n: int) -> list[_Centre]:
        chosen: list[int] = []
        while len(chosen) < min(n, self.count):
            number = self.weights.pick(rng)
            if number not in chosen:
                chosen.append(number)
        return [self.state(number) for number in chosen]

    def state(self, number: int) -> _Centre:
        if number not in self.states:
            self.states[number] = _Centre(self.seed, number)
        return self.states[number]


def _group(rng: random.Random) -> list[_Patient]:
    """One patient, or a patient followed by a twin, or a mother followed by her foetus(es)."""
    disorder = clinical.pick_disorder(rng)
    onset = clinical.onset_kind(rng, disorder)
    if rng.random() < FOETUS_SHARE:
        f = identities.foetus(rng)
        return [_Patient(f, clinical.foetal_course(rng, disorder, f.pregnancy_start), Context(True, f.sex, None, 1))]
    paediatric = rng.random() < clinical.PAEDIATRIC_BY_ONSET[onset]
    p = identities.person(rng, paediatric=paediatric)
    group = [_Patient(p, clinical.course(rng, disorder, onset, p.birth), Context(paediatric, p.sex))]
    age = (REFERENCE_DAY - p.birth).days / 365.25
    if rng.random() < TWIN_SHARE:
        group.append(_twin(rng, p, disorder, onset, paediatric))
        group[0].ctx.twin_order, group[1].ctx.twin_order = 1, 2
    elif p.sex == "F" and 18 <= age <= 45 and rng.random() < PREGNANT_SHARE:
        group += _pregnancy(rng, group[0])
    return group


def _twin(rng: random.Random, p: Person, disorder: Disorder | None, onset: str, paediatric: bool) -> _Patient:
    sex = p.sex if rng.random() < 0.6 else ("M" if p.sex == "F" else "F")
    t = identities.person(rng, sex=sex, birth=p.birth, origin=p.origin, family_name=p.birth_name)
    while t.given[0] == p.given[0]:
        t.given = identities.given_names(rng, sex, p.origin, p.birth.year)
    t.birth_place, t.birth_country, t.birth_precision, t.residence = (p.birth_place, p.birth_country,
                                                                      p.birth_precision, p.residence)
    t.nir = identities.nir(sex, p.birth, p.birth_place, rng) if p.nir and sex in ("M", "F") else None
    return _Patient(t, clinical.course(rng, disorder, onset, t.birth), Context(paediatric, t.sex))


def _pregnancy(rng: random.Random, mother: _Patient) -> list[_Patient]:
    """The mother's pregnancy block; sometimes her foetus(es) become patients too, with the
    foetal identity built from her true identity."""
    start = REFERENCE_DAY - timedelta(days=60 + int(rng.random() * 360))
    count = 2 if rng.random() < 0.03 else 1
    foetuses, patients = [], []
    linked = rng.random() < FOETUS_OF_MOTHER
    for rank in range(1, count + 1):
        death, sex = None, "UNKNOWN"
        if linked:
            inherited = mother.course.disorder is not None and rng.random() < 0.5
            disorder = mother.course.disorder if inherited else clinical.pick_disorder(rng)
            f = identities.foetus(rng, mother=mother.who, start=start, rank=rank, count=count)
            fc = clinical.foetal_course(rng, disorder, start)
            patients.append(_Patient(f, fc, Context(True, f.sex, None, rank)))
            death, sex = fc.death, f.sex
        elif rng.random() < 0.1:
            death = uniform_day(rng, plus(start, 60), min(plus(start, 180), REFERENCE_DAY))
        outcome = (_LOST_OUTCOMES.pick(rng) if death else "DELIVERY" if plus(start, 275) <= REFERENCE_DAY
                   else "ONGOING")
        foetuses.append({"rank": rank, "local_id": f"F{rank}", "sex": sex, "outcome": outcome,
                         "death_date": text(death) if death else None})
    mother.ctx.pregnancy = {"start_date": text(start), "foetus_count": count, "foetuses": foetuses}
    return patients


def generate(spec: CohortSpec) -> Iterator[Generated]:
    """Every submission with its truth: patient number, traits, error kinds."""
    rng = random.Random(spec.seed)
    spoil_rng = random.Random(spec.seed * 7919 + 17)
    centres = _Centres(spec)
    index = 0
    while index < spec.patients:
        for patient in _group(rng):
            if index >= spec.patients:
                break
            yield from _records(rng, spoil_rng, spec, centres, patient, index)
            index += 1


def _records(rng: random.Random, spoil_rng: random.Random, spec: CohortSpec, centres: _Centres,
             patient: _Patient, index: int) -> Iterator[Generated]:
    who, course = patient.who, patient.course
    foetus = isinstance(who, Foetus)
    count = _MULTI.pick(rng) if rng.random() < spec.multi_centre_share else 1
    chosen = centres.sample(rng, count)
    truth = who.identity()
    for copy, stay in enumerate(stays(rng, course, [c.id for c in chosen])):
        centre = chosen[copy]
        local_id, ipp = centre.next_ids()
        identity = who.identity()
        identity["local_patient_id"] = ipp
        if not foetus and who.nir and rng.random() < INS_SHARE:
            identity["ins"] = who.nir
        residence = who.residence
        if copy and not foetus and rng.random() < MOVED_SHARE:
            residence = identities.residence(rng, who.birth_place)
        record = {"identity": identity, "residence": {**residence, "address_lines": list(residence["address_lines"])}}
        record.update(clinical_groups(rng, course, stay, local_id, centre.physicians, patient.ctx))
        errors: list[str] = []
        eligible: tuple[str, ...] = ()
        if copy:
            eligible = eligible_kinds(truth, _latest_birth(course, stay.inclusion))
            errors = apply_errors(rng, identity, eligible)
        centre.style(identity)
        submission = {"operation": "UPSERT", "centre_id": centre.id, "local_record_id": local_id, "record": record}
        if spec.invalid_share and spoil_rng.random() < spec.invalid_share:
            errors.append("invalid:" + spoil(spoil_rng, submission, foetus))
        yield Generated(submission, index, "foetus" if foetus else "person", copy, errors, eligible)


def _latest_birth(course: Course, inclusion: date) -> date:
    """The latest birth date (pregnancy start for a foetus) a record's other dates and ages
    allow: a day/month swap beyond it would make the record refused rather than mis-linked."""
    latest = inclusion if course.diagnosis is None else min(inclusion, date(course.diagnosis.year, 1, 1))
    if not course.foetus:  # ages (first signs, diagnoses) must still fit between birth and death
        aged = max(course.onset, course.diagnosis or course.onset, course.genetic or course.onset)
        latest = min(latest, course.origin + (course.last_day - max(aged, course.origin)))
    return latest


def submissions(spec: CohortSpec) -> Iterator[tuple[dict, int]]:
    """Yields (submission, true patient number)."""
    for g in generate(spec):
        yield g.submission, g.patient


TRUTH_HEADER = "centre_id,local_record_id,true_patient,traits,copy,errors\n"


def write(spec: CohortSpec, out: Path, progress: TextIO | None = None) -> dict[str, int]:
    """Writes OUT (JSON Lines), OUT.truth.csv (centre, local record id, true patient, key
    traits, copy number, identity errors and invalid:<code>, ';'-separated) and OUT.centres.csv
    (the centre directory: centre_id, name, finess, departement)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    write_directory(spec.seed, spec.centres, Path(f"{out}.centres.csv"))
    summary = {"submissions": 0, "patients": spec.patients, "multi_centre_patients": 0, "foetus_records": 0,
               "records_with_identity_errors": 0, "invalid_submissions": 0}
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    with open(out, "w", encoding="utf-8", buffering=1 << 20) as data, \
            open(f"{out}.truth.csv", "w", encoding="utf-8", buffering=1 << 20) as truth:
        truth.write(TRUTH_HEADER)
        for g in generate(spec):
            s = g.submission
            data.write(dumps(s))
            data.write("\n")
            truth.write(f"{s['centre_id']},{s['local_record_id']},{g.patient},{g.traits},{g.copy},"
                        f"{';'.join(g.errors)}\n")
            summary["submissions"] += 1
            summary["foetus_records"] += g.traits == "foetus"
            summary["records_with_identity_errors"] += any(not e.startswith("invalid:") for e in g.errors)
            summary["invalid_submissions"] += bool(g.errors) and g.errors[-1].startswith("invalid:")
            if g.copy == 1:
                summary["multi_centre_patients"] += 1
            if progress and summary["submissions"] % 50_000 == 0:
                progress.write(f"\r  generated {summary['submissions']:,} submissions")
    if progress:
        progress.write(f"\r  generated {summary['submissions']:,} submissions for {spec.patients:,} patients\n")
    return summary
