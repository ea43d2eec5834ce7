"""True identities: French-looking persons (names, birth, INS/NIR, residence) and foetuses,
whose identity is built the SDM-MR way from the mother's and the pregnancy's."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import names as N
from . import places
from .params import PAEDIATRIC_SHARE, REFERENCE_DAY
from .sampling import Weighted, between, chance

ORIGINS = Weighted.of([("fr", 0.80), ("maghreb", 0.08), ("south_europe", 0.05), ("africa", 0.03),
                       ("asia", 0.02), ("other", 0.02)])
# Zipf exponents are mild: the head of a list must not make strangers share names too often.
_SURNAMES = {
    "fr": Weighted.zipf(N.FR_SURNAMES, 0.6, 2),
    "maghreb": Weighted.zipf(N.MAGHREB_SURNAMES, 0.5, 2),
    "south_europe": Weighted.zipf(N.SOUTH_EUROPE_SURNAMES, 0.5, 2),
    "africa": Weighted.zipf(N.AFRICA_SURNAMES, 0.5, 2),
    "asia": Weighted.zipf(N.ASIA_SURNAMES, 0.9, 1),
    "other": Weighted.zipf(N.OTHER_SURNAMES, 0.3, 2),
}
_GIVEN = {  # (sex, era or origin) -> names
    ("F", "old"): Weighted.zipf(N.FEMALE_OLD, 0.55, 1), ("F", "mid"): Weighted.zipf(N.FEMALE_MID, 0.55, 1),
    ("F", "new"): Weighted.zipf(N.FEMALE_NEW, 0.55, 1), ("M", "old"): Weighted.zipf(N.MALE_OLD, 0.55, 1),
    ("M", "mid"): Weighted.zipf(N.MALE_MID, 0.55, 1), ("M", "new"): Weighted.zipf(N.MALE_NEW, 0.55, 1),
    ("F", "maghreb"): Weighted.zipf(N.MAGHREB_FEMALE, 0.5, 1), ("M", "maghreb"): Weighted.zipf(N.MAGHREB_MALE, 0.5, 1),
    ("F", "south_europe"): Weighted.zipf(N.SOUTH_EUROPE_FEMALE, 0.5, 1),
    ("M", "south_europe"): Weighted.zipf(N.SOUTH_EUROPE_MALE, 0.5, 1),
    ("F", "africa"): Weighted.zipf(N.AFRICA_FEMALE, 0.4, 1), ("M", "africa"): Weighted.zipf(N.AFRICA_MALE, 0.4, 1),
    ("F", "asia"): Weighted.zipf(N.ASIA_FEMALE, 0.4, 1), ("M", "asia"): Weighted.zipf(N.ASIA_MALE, 0.4, 1),
    ("F", "other"): Weighted.zipf(N.OTHER_FEMALE, 0.4, 1), ("M", "other"): Weighted.zipf(N.OTHER_MALE, 0.4, 1),
}
_NEIGHBOUR_ERA = {"old": "mid", "mid": "old", "new": "mid"}
_GIVEN_COUNT = {"old": Weighted((1, 2, 3), (20, 45, 35)), "mid": Weighted((1, 2, 3), (30, 50, 20)),
                "new": Weighted((1, 2, 3), (35, 50, 15))}
# Born abroad: (share before the cut-off year, cut-off, share after) per origin.
_ABROAD = {"fr": (0.02, 1900, 0.02), "maghreb": (0.7, 1985, 0.1), "south_europe": (0.7, 1975, 0.05),
           "africa": (0.6, 1995, 0.15), "asia": (0.65, 1990, 0.1), "other": (0.6, 1995, 0.15)}
_BIRTH_COMMUNES = Weighted([c for c in places.COMMUNES], [c.weight for c in places.COMMUNES])
_COUNTRIES = {o: Weighted(cs, [c.weight for c in cs]) for o, cs in places.COUNTRIES_BY_ORIGIN.items()}
_D_APOSTROPHE = ("D'Abbadie", "D'Aboville", "D'Argent", "D'Arras", "D'Aubert", "D'Estienne", "D'Orgeval",
                 "D'Ornano", "D'Harcourt", "D'Hérouville", "D'Espinay", "D'Avezac", "D'Ambrosio", "D'Oliveira")
_ABROAD_RESIDENCE = (("BE", "Bruxelles", "1000"), ("CH", "Genève", "1201"), ("LU", "Luxembourg", "1111"),
                     ("MC", "Monaco", "98000"), ("DE", "Sarrebruck", "66111"), ("ES", "Barcelona", "08001"))
_COMMUNE_BY_COG = {c.cog: c for c in places.COMMUNES}


def era(year: int) -> str:
    return "old" if year < 1960 else "mid" if year < 1990 else "new"


def fr_surname(rng: random.Random) -> str:
    """A third of French surnames from the frequent list, the rest from a generated long tail."""
    if rng.random() < 0.32:
        return _SURNAMES["fr"].pick(rng)
    u = rng.random()
    if u < 0.70:
        return _root_ending(rng)
    if u < 0.80:  # Breton
        if rng.random() < 0.5:
            return "Le " + N.BRETON_ENDINGS[int(rng.random() * len(N.BRETON_ENDINGS))]
        return "Ker" + N.KER_ENDINGS[int(rng.random() * len(N.KER_ENDINGS))]
    if u < 0.88:  # particles
        v = rng.random()
        if v < 0.35:
            return "de " + _root_ending(rng)
        if v < 0.55:
            return "Du" + N.PLACE_WORDS[int(rng.random() * len(N.PLACE_WORDS))].lower()
        if v < 0.70:
            return "de La " + N.PLACE_WORDS[int(rng.random() * len(N.PLACE_WORDS))]
        if v < 0.85:
            return "Le " + _root_ending(rng)
        return _D_APOSTROPHE[int(rng.random() * len(_D_APOSTROPHE))]
    if u < 0.93:
        if rng.random() < 0.7:
            return "Saint-" + N.MALE_OLD[int(rng.random() * 40)]
        return "Sainte-" + N.FEMALE_OLD[int(rng.random() * 30)]
    first, second = _SURNAMES["fr"].pick(rng), _root_ending(rng)
    return f"{first}-{second}" if " " not in first else f"{second}-{first}"


def _root_ending(rng: random.Random) -> str:
    return N.FR_ROOTS[int(rng.random() * len(N.FR_ROOTS))] + N.FR_ENDINGS[int(rng.random() * len(N.FR_ENDINGS))]


def surname(rng: random.Random, origin: str) -> str:
    return fr_surname(rng) if origin == "fr" else _SURNAMES[origin].pick(rng)


def given_names(rng: random.Random, sex: str, origin: str, year: int) -> list[str]:
    sex = sex if sex in ("F", "M") else ("F" if rng.random() < 0.5 else "M")
    e = era(year)
    native = origin != "fr" and rng.random() < (0.9 if year < 1985 else 0.5)
    first_list = _GIVEN[(sex, origin)] if native else _GIVEN[(sex, _NEIGHBOUR_ERA[e] if chance(rng, 0.15) else e)]
    chosen = [first_list.pick(rng)]
    for _ in range(_GIVEN_COUNT[e].pick(rng) - 1):
        source = _GIVEN[(sex, "old")] if rng.random() < 0.5 else first_list
        for _attempt in range(5):  # a repeat is redrawn: one person has no name twice
            name = source.pick(rng)
            if name not in chosen:
                chosen.append(name)
                break
    return chosen


def nir(sex: str, birth: date, place_cog: str, rng: random.Random) -> str:
    """NIR/INS: sex, year, month, birth place (département + commune, or 99 + country) and an
    order number, then the key 97 - (n mod 97), Corsica's 2A/2B counted as 19/18."""
    body = f"{1 if sex == 'M' else 2}{birth.year % 100:02d}{birth.month:02d}{place_cog}{between(rng, 1, 999):03d}"
    number = int(body.replace("2A", "19").replace("2B", "18"))
    return f"{body}{97 - number % 97:02d}"


def residence(rng: random.Random, birth_place: str | None) -> dict:
    """An address; a third live in their birth commune, 1 % abroad."""
    if rng.random() < 0.01:
        country, city, postal = _ABROAD_RESIDENCE[int(rng.random() * len(_ABROAD_RESIDENCE))]
        return {"address_lines": [_street(rng)], "postal_code": postal, "commune_cog": None, "city": city,
                "country": country}
    commune = None
    if birth_place and rng.random() < 0.33:
        commune = _COMMUNE_BY_COG.get(birth_place)
    commune = commune or _BIRTH_COMMUNES.pick(rng)
    lines = [_street(rng)]
    if rng.random() < 0.15:
        lines.append(places.SECOND_LINES[int(rng.random() * len(places.SECOND_LINES))].format(n=between(rng, 1, 60)))
    return {"address_lines": lines, "postal_code": commune.postal, "commune_cog": commune.cog, "city": commune.name,
            "country": "FR"}


def _street(rng: random.Random) -> str:
    number = str(between(rng, 1, 150)) + (" bis" if rng.random() < 0.04 else "")
    kind = places.STREET_TYPES[int(rng.random() * len(places.STREET_TYPES))]
    return f"{number} {kind} {places.STREET_NAMES[int(rng.random() * len(places.STREET_NAMES))]}"


@dataclass(slots=True)
class Person:
    """The true identity of a person; records copy it (and may spoil it)."""
    origin: str
    sex: str
    birth: date
    birth_precision: int            # 3 = day known, 2 = month only
    birth_name: str
    given: list[str]
    used_name: str | None
    used_given_name: str | None
    birth_place: str | None         # COG code, 99xxx abroad
    birth_country: str | None
    nir: str | None
    residence: dict = field(default_factory=dict)

    @property
    def birth_text(self) -> str:
        return self.birth.isoformat()[: 10 if self.birth_precision == 3 else 7]

    def identity(self) -> dict:
        return {"birth_name": self.birth_name, "first_given_name": self.given[0], "given_names": list(self.given),
                "used_name": self.used_name, "used_given_name": self.used_given_name, "sex": self.sex,
                "birth_date": self.birth_text, "birth_place_cog": self.birth_place,
                "birth_country": self.birth_country, "ins": None, "local_patient_id": None, "foetus": None}


def person(rng: random.Random, *, paediatric: bool | None = None, sex: str | None = None,
           birth: date | None = None, origin: str | None = None, family_name: str | None = None) -> Person:
    """A person; the keyword arguments pin traits (a twin shares birth, origin and family name)."""
    origin = origin or ORIGINS.pick(rng)
    if sex is None:
        u = rng.random()
        sex = "M" if u < 0.51 else "F" if u < 0.9995 else "UNDETERMINED"
    if birth is None:
        if paediatric is None:
            paediatric = rng.random() < PAEDIATRIC_SHARE
        age_days = int(rng.random() * 18 * 365.25) if paediatric else int(rng.triangular(18, 95, 26) * 365.25)
        birth = REFERENCE_DAY - timedelta(days=age_days)
    abroad_before, cutoff, abroad_after = _ABROAD[origin]
    abroad = rng.random() < (abroad_before if birth.year < cutoff else abroad_after)
    if abroad:
        country = _COUNTRIES[origin].pick(rng)
        place, birth_country = country.cog, country.iso
    else:
        place, birth_country = _BIRTH_COMMUNES.pick(rng).cog, "FR"
    if rng.random() < 0.01:  # birth place never recorded
        place, birth_country = None, None
    precision = 2 if rng.random() < (0.08 if abroad and birth.year < 1970 else 0.002) else 3
    given = given_names(rng, sex, origin, birth.year)
    name = family_name or surname(rng, origin)
    age = (REFERENCE_DAY - birth).days / 365.25
    used_name = None
    if sex == "F" and age >= 22 and rng.random() < 0.45:
        spouse = surname(rng, origin if rng.random() < 0.7 else "fr")
        used_name = f"{name}-{spouse}" if rng.random() < 0.1 else spouse
    elif sex == "M" and age >= 22 and rng.random() < 0.01:
        used_name = surname(rng, origin)
    used_given = None
    if rng.random() < 0.04:
        if len(given) > 1:
            used_given = given[1]
        elif "-" in given[0]:
            used_given = given[0].split("-")[1]
    ins = nir(sex, birth, place, rng) if sex in ("M", "F") and place and precision == 3 else None
    who = Person(origin, sex, birth, precision, name, given, used_name if used_name != name else None, used_given,
                 place, birth_country, ins)
    who.residence = residence(rng, place)
    return who


@dataclass(slots=True)
class Foetus:
    """A foetus: no name or birth date of its own; its key traits are the mother's birth name and
    first given name, the pregnancy start date (DDG) and its rank."""
    mother_birth_name: str
    mother_first_given_name: str
    mother_used_name: str | None
    pregnancy_start: date
    rank: int
    foetus_count: int
    sex: str
    residence: dict = field(default_factory=dict)

    def identity(self) -> dict:
        return {"birth_name": None, "first_given_name": None, "given_names": [], "used_name": None,
                "used_given_name": None, "sex": self.sex, "birth_date": None, "birth_place_cog": None,
                "birth_country": None, "ins": None, "local_patient_id": None,
                "foetus": {"mother_birth_name": self.mother_birth_name,
                           "mother_first_given_name": self.mother_first_given_name,
                           "mother_used_name": self.mother_used_name,
                           "pregnancy_start_date": self.pregnancy_start.isoformat(), "rank": self.rank}}


def foetus(rng: random.Random, mother: Person | None = None, start: date | None = None, rank: int = 1,
           count: int = 1) -> Foetus:
    """A foetus of a pregnancy that started 4 to 24 months before the reference day."""
    if start is None:
        start = REFERENCE_DAY - timedelta(days=between(rng, 120, 730))
    if mother is None:
        mother = person(rng, sex="F", birth=start - timedelta(days=int(rng.triangular(18, 45, 31) * 365.25)))
    u = rng.random()
    sex = "UNKNOWN" if u < 0.6 else "F" if u < 0.8 else "M"
    return Foetus(mother.birth_name, mother.given[0], mother.used_name, start, rank, count, sex, mother.residence)
