"""A patient's true clinical course (disorder, onset, diagnoses, death, treatments) and the
clinical groups of one centre's record, which shows the part of the course that centre saw."""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

from . import codes
from .codes import UNDIAGNOSED, Disorder
from .dates import CENTRES_OPEN, age_at, clamp, plus, uniform_day
from .params import (DEATH_DUE_TO_DISEASE, DEATH_SHARE, PROBABLE_SHARE, REFERENCE_DAY, UNDIAGNOSED_ONGOING,
                     UNDIAGNOSED_SHARE)
from .sampling import Weighted, chance

# Share of under-18s by the kind of onset: adult-onset disorders are seldom seen in children.
PAEDIATRIC_BY_ONSET = {"congenital": 0.6, "child": 0.55, "any": 0.35, "adult": 0.06}
_UNDIAGNOSED_ONSET = Weighted(("congenital", "child", "adult"), (20, 60, 20))
_TECHNIQUES = Weighted(("TARGETED_MOLECULAR", "GENOME_WIDE", "ARRAY_CGH", "CHROMOSOMAL", "OTHER"), (45, 25, 15, 12, 3))
_INVESTIGATIONS = ("CLINICAL", "BIOLOGICAL", "BIOCHEMICAL", "IMAGING", "MOLECULAR_GENETICS", "CYTOGENETICS",
                   "FUNCTIONAL_ASSESSMENT", "PATHOLOGY")
_BASES = "ACGT"


@dataclass(slots=True)
class Course:
    """What happened to the patient; `origin` is the birth, or the pregnancy start of a foetus."""
    code: str
    disorder: Disorder | None
    status: str
    origin: date
    foetus: bool
    onset: date
    first_signs: dict
    diagnosis: date | None          # clinical diagnosis (or, undiagnosed, when the dead-end was concluded)
    genetic: date | None = None
    genes: list[str] = field(default_factory=list)
    variants: list[str] = field(default_factory=list)
    techniques: list[str] = field(default_factory=list)
    centre_made_diagnosis: bool = False
    first_inclusion: date = REFERENCE_DAY
    death: date | None = None
    death_due: bool | None = None
    treatments: list[tuple[str | None, str, date, date | None]] = field(default_factory=list)
    hpo: list[str] = field(default_factory=list)
    consanguinity: str = "UNKNOWN"
    familial: bool = False
    second: dict | None = None

    @property
    def last_day(self) -> date:
        return self.death or REFERENCE_DAY

    @property
    def prenatal(self) -> bool:
        return self.diagnosis is not None and self.diagnosis < self.origin


def pick_disorder(rng: random.Random) -> Disorder | None:
    """None stands for 'undiagnosed' (ORPHA:616874)."""
    return None if rng.random() < UNDIAGNOSED_SHARE else codes.catalogue().pick(rng)


def onset_kind(rng: random.Random, disorder: Disorder | None) -> str:
    return disorder.onset if disorder else _UNDIAGNOSED_ONSET.pick(rng)


def course(rng: random.Random, disorder: Disorder | None, onset: str, birth: date) -> Course:
    """A person's course: first signs, diagnostic delay, inclusion, genetics, death, treatments."""
    age_days = (REFERENCE_DAY - birth).days
    u = rng.random()
    if onset == "congenital" or (onset in ("child", "any") and u < 0.12):
        when = plus(birth, -rng.uniform(20, 150)) if rng.random() < 0.3 else plus(birth, rng.random() * 27)
    elif onset == "adult" and age_days > 18 * 365:
        when = plus(birth, rng.uniform(18 * 365.25, age_days))
    elif onset == "any" and rng.random() < 0.5:
        when = plus(birth, rng.random() * age_days)
    else:  # childhood onset, mostly early
        when = plus(birth, min(rng.expovariate(1 / (3 * 365.25)), age_days * rng.random()))
    when = min(when, REFERENCE_DAY)
    v = rng.random()
    first_signs = ({"period": "NO_SIGNS"} if v < 0.02 else {"period": "UNDETERMINED"} if v < 0.09
                   else age_at(birth, when, neonatal=True))
    # Diagnostic delay: log-normal, median a year and a half, a long tail of diagnostic odysseys.
    delay = math.exp(rng.gauss(math.log(1.5 * 365.25), 1.2))
    if disorder and disorder.screened and rng.random() < 0.7:
        delay = rng.uniform(5, 40)  # newborn screening
    diagnosis = clamp(plus(when, delay), max(birth, plus(when, 1)) if when >= birth else when)
    if disorder is None:
        status = "ONGOING" if rng.random() < UNDIAGNOSED_ONGOING else "UNDETERMINED"
        code = UNDIAGNOSED
    else:
        status = "PROBABLE" if rng.random() < PROBABLE_SHARE else "CONFIRMED"
        code = disorder.code
    c = Course(code, disorder, status, birth, False, when, first_signs, diagnosis)
    _inclusion(rng, c)
    if disorder is None:
        # The dead-end is concluded after investigations at the centre; ongoing ones have no date.
        c.diagnosis = uniform_day(rng, c.first_inclusion, REFERENCE_DAY) if status == "UNDETERMINED" else None
        c.hpo = rng.sample(codes.HPO_TERMS, 1 + int(rng.random() * 4))
    _genetics(rng, c)
    _death(rng, c)
    _treatments(rng, c)
    _family(rng, c)
    return c


def foetal_course(rng: random.Random, disorder: Disorder | None, start: date) -> Course:
    """A foetus: signs seen at an ultrasound scan, prenatal diagnosis, often a medical termination."""
    scan = clamp(plus(start, rng.uniform(70, 160)), start)
    diagnosis = clamp(plus(scan, rng.uniform(7, 40)), scan)
    code = disorder.code if disorder else UNDIAGNOSED
    status = ("CONFIRMED" if rng.random() < 0.8 else "PROBABLE") if disorder else "ONGOING"
    c = Course(code, disorder, status, start, True, scan, {"period": "ANTENATAL"},
               diagnosis if disorder else None)
    c.first_inclusion = scan
    c.centre_made_diagnosis = True
    if disorder is None:
        c.hpo = rng.sample(codes.HPO_TERMS, 1 + int(rng.random() * 3))
    u = rng.random()
    if u < 0.55:  # termination, in-utero death or miscarriage
        c.death = clamp(plus(diagnosis, rng.uniform(3, 30)), diagnosis)
        c.death_due = True
    _genetics(rng, c)
    return c


def _inclusion(rng: random.Random, c: Course) -> None:
    """First contact with an expert centre: during the diagnostic odyssey (the centre makes the
    diagnosis) or after a diagnosis made elsewhere; never before the national files began."""
    c.centre_made_diagnosis = rng.random() < 0.55
    if c.centre_made_diagnosis:
        first = plus(c.onset, (c.diagnosis - c.onset).days * rng.uniform(0.3, 1.0))
    else:
        first = plus(c.diagnosis, rng.expovariate(1 / 365.25))
    floor = max(c.origin, CENTRES_OPEN)
    if first < floor:
        first = uniform_day(rng, floor, min(plus(floor, 6 * 365), REFERENCE_DAY))
        c.centre_made_diagnosis = c.diagnosis >= first
    c.first_inclusion = clamp(first, floor)


def _genetics(rng: random.Random, c: Course) -> None:
    d = c.disorder
    if d is None or d.heredity is None or c.status != "CONFIRMED" or c.diagnosis is None:
        return
    if rng.random() >= (0.75 if d.genes else 0.35):
        return
    c.genetic = clamp(plus(c.diagnosis, rng.expovariate(1 / 200)), c.diagnosis)
    c.techniques = [_TECHNIQUES.pick(rng)]
    c.genes = list(d.genes[:1] if len(d.genes) < 2 else [d.genes[int(rng.random() * len(d.genes))]])
    if c.genes and rng.random() < 0.6:
        c.variants = [_variant(rng) for _ in range(2 if d.heredity == "AR" and rng.random() < 0.5 else 1)]


def _variant(rng: random.Random) -> str:
    position = 1 + int(rng.random() * 6000)
    ref = _BASES[int(rng.random() * 4)]
    alt = _BASES[(_BASES.index(ref) + 1 + int(rng.random() * 3)) % 4]
    u = rng.random()
    return f"c.{position}{ref}>{alt}" if u < 0.7 else f"c.{position}del" if u < 0.85 else f"c.{position}dup"


def _death(rng: random.Random, c: Course) -> None:
    if not chance(rng, DEATH_SHARE):
        return
    after = max(c.first_inclusion, c.diagnosis or c.first_inclusion, c.genetic or c.first_inclusion)
    if after >= REFERENCE_DAY:
        after = plus(REFERENCE_DAY, -1)
    c.death = uniform_day(rng, plus(after, 1), REFERENCE_DAY)
    u = rng.random()
    c.death_due = True if u < DEATH_DUE_TO_DISEASE else False if u < DEATH_DUE_TO_DISEASE + 0.25 else None


def _treatments(rng: random.Random, c: Course) -> None:
    options = codes.TREATMENTS.get(c.code) if c.status == "CONFIRMED" else None
    if not options or rng.random() >= 0.65 or c.diagnosis is None:
        return
    ema, atc = options[int(rng.random() * len(options))]
    first = max(c.diagnosis, c.origin)  # a prenatal diagnosis is treated after birth
    start = clamp(plus(first, rng.expovariate(1 / 120)), first, c.last_day)
    end = uniform_day(rng, start, c.last_day) if rng.random() < 0.2 or c.death else None
    c.treatments.append((ema, atc, start, end))


def _family(rng: random.Random, c: Course) -> None:
    recessive = c.disorder is not None and c.disorder.heredity == "AR"
    u = rng.random()
    c.consanguinity = ("YES" if u < (0.1 if recessive else 0.02) else "NO" if u < 0.65 else "UNKNOWN")
    c.familial = rng.random() < (0.3 if c.disorder and c.disorder.heredity not in (None, "SPO") else 0.05)
    if rng.random() < 0.04:
        if rng.random() < 0.6:
            other = codes.catalogue().pick(rng)
            if other.code != c.code:
                c.second = {"orphacode": other.code, "status": "CONFIRMED" if rng.random() < 0.7 else "PROBABLE"}
        else:
            c.second = {"icd10": codes.ICD10_COMORBID[int(rng.random() * len(codes.ICD10_COMORBID))],
                        "status": "CONFIRMED"}
