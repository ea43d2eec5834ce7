"""Who dies on the generated files: the cohort's patients, found in one pass over
rarelog.cohort's generator, and strangers drawn the cohort's way (same names, places, eras)."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from rarelog.cohort import identities
from rarelog.cohort.dates import CENTRES_OPEN, uniform_day
from rarelog.cohort.generator import CohortSpec, generate
from rarelog.cohort.params import REFERENCE_DAY
from rarelog.cohort.sampling import between

# The months' files hold the deaths recorded up to their last day (the cohort ends on 1 June 2026).
MONTH_END = {1: date(2026, 6, 30), 2: date(2026, 7, 31)}
KNOWN_DEATH_IN_FILE = 0.95   # deaths the registry knows that the file has (others died abroad, say)
UNKNOWN_DEATH_SHARE = 0.01   # living patients whose death only the file tells, in each month
NAMESAKE_SHARE = 0.01        # strangers with a patient's names (another birth date)
_RESERVOIR = 1000            # living patients strangers may be namesakes of


@dataclass(slots=True)
class Death:
    patient: int | None
    identity: dict
    death: date
    residence: str | None        # commune code, a likely place of death
    knows: bool = True           # the registry has recorded this death


class CohortDeaths:
    """One pass over the cohort: the deaths each month's part holds, and a sample of living
    patients whose names strangers may share. Persons only: a foetus is not on the file, nor
    is anyone whose sex is neither male nor female."""

    def __init__(self, cohort: CohortSpec) -> None:
        rng = random.Random(cohort.seed * 1_000_003 + 101)  # apart from the cohort's own draws
        self.deaths: dict[int, list[Death]] = {1: [], 2: []}
        self.living: list[tuple[int, dict]] = []
        seen = 0
        for index, identity, death, residence in cohort_persons(cohort):
            if death:
                if rng.random() < KNOWN_DEATH_IN_FILE:
                    self.deaths[1].append(Death(index, identity, death, residence))
                continue
            u = rng.random()
            if u < 2 * UNKNOWN_DEATH_SHARE:
                month = 1 if u < UNKNOWN_DEATH_SHARE else 2
                low = REFERENCE_DAY if month == 1 else MONTH_END[1] - timedelta(days=20)
                self.deaths[month].append(Death(index, identity, uniform_day(rng, low, MONTH_END[month]),
                                                 residence, knows=False))
                continue
            seen += 1  # reservoir sampling: memory stays flat whatever the cohort size
            if len(self.living) < _RESERVOIR:
                self.living.append((index, identity))
            elif (j := int(rng.random() * seen)) < _RESERVOIR:
                self.living[j] = (index, identity)
        for month in (1, 2):
            rng.shuffle(self.deaths[month])


def cohort_persons(spec: CohortSpec) -> Iterator[tuple[int, dict, date | None, str | None]]:
    """(patient index, true identity, death date the registry knows, residence commune) per
    person. A patient's records come together, the first one with the true identity."""
    person: list | None = None
    for g in generate(spec):
        record = g.submission["record"]
        if person is None or g.patient != person[0]:
            if person and person[1]:
                yield tuple(person)
            ident = record["identity"]
            usable = g.traits == "person" and ident["sex"] in ("M", "F") and ident["birth_date"]
            person = [g.patient, ident if usable else None, None, record["residence"]["commune_cog"]]
        if record["vital_status"]["deceased"]:
            person[2] = date.fromisoformat(record["vital_status"]["death_date"])
    if person and person[1]:
        yield tuple(person)


def stranger(rng: random.Random, month: int, living: list[tuple[int, dict]]) -> Death:
    """Somebody not in the registry: deaths mostly of the old, dated over the years the registry
    covers (month 1: the file up to June 2026) or mostly recent (what July adds)."""
    if month == 1 or rng.random() < 0.1:
        low, high = CENTRES_OPEN, MONTH_END[1] if month == 1 else REFERENCE_DAY
    else:
        low, high = REFERENCE_DAY, MONTH_END[2]
    death = uniform_day(rng, low, high)
    years = rng.uniform(0, 18) if rng.random() < 0.03 else rng.triangular(18, 105, 86)
    sex = "M" if rng.random() < 0.5 else "F"
    person = identities.person(rng, sex=sex, birth=death - timedelta(days=int(years * 365.25)))
    identity = person.identity()
    if living and rng.random() < NAMESAKE_SHARE:
        # A trap for the matching: a patient's names, born a few years apart, elsewhere.
        index, other = living[int(rng.random() * len(living))]
        y, m, d = (int(p) for p in (other["birth_date"] + "-01").split("-")[:3])
        shift = between(rng, 1, 5)
        birth = date(y + shift, m, min(d, 28))
        if birth >= high:
            birth = date(y - shift, m, min(d, 28))
        death = uniform_day(rng, max(low, birth + timedelta(days=1)), high)
        identity.update(birth_name=other["birth_name"], given_names=other["given_names"], sex=other["sex"],
                        used_name=None, namesake_of=index, birth_date=birth.isoformat())
    return Death(None, identity, death, person.residence.get("commune_cog"))
