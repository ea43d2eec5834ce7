"""How a death line shows a person, and how a registry patient's line differs from the identity
the registry holds: INSEE writes civil status (every given name, in its order, the birth name),
while the centres wrote what the patient or the family told them.

Each variation has its own rate, drawn independently for every patient line where it can
apply; the ground truth lists those applied. Strangers get none: their line is their identity.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, NamedTuple

from rarelog.cohort import names as N
from rarelog.cohort.sampling import chance

from .insee import NAME_WIDTH, PartialDate
from .places import UNKNOWN_COMMUNE, abroad_town, commune_label, country_label, recoded, upper


class LineIdentity(NamedTuple):
    """The identity fields of a death line, as written (the commune may be a placeholder)."""
    surname: str
    given_names: tuple[str, ...]
    sex: str
    birth_date: PartialDate
    birth_place_code: str | None
    birth_commune: str | None
    birth_country: str | None


class _Draft:
    """The fields while variations change them."""
    __slots__ = ("surname", "used", "given", "sex", "birth", "code", "original_code")

    def __init__(self, identity: dict) -> None:
        self.surname, self.sex = upper(identity["birth_name"]), identity["sex"]
        self.used = upper(identity["used_name"]) if identity.get("used_name") else None
        self.given = [upper(g) for g in identity["given_names"]]
        y, m, *d = (int(p) for p in identity["birth_date"].split("-"))
        self.birth = PartialDate(y, m, d[0] if d else None)  # the cohort has no unknown month
        self.code = self.original_code = identity.get("birth_place_cog")


def _extra_given(rng: random.Random, d: _Draft) -> bool:
    pool, added = N.MALE_OLD if d.sex == "M" else N.FEMALE_OLD, False
    for _ in range(1 if rng.random() < 0.7 else 2):
        name = upper(pool[int(rng.random() * len(pool))])
        if name not in d.given and len(d.surname) + len(" ".join((*d.given, name))) + 2 <= NAME_WIDTH:
            d.given.append(name)
            added = True
    return added


def _respell(rng: random.Random, d: _Draft) -> None:
    if " " in d.surname:    # particles glued: LE GALL -> LEGALL
        d.surname = d.surname.replace(" ", "")
    elif "'" in d.surname:  # D'ALMEIDA -> DALMEIDA or D ALMEIDA
        d.surname = d.surname.replace("'", "" if rng.random() < 0.5 else " ")
    else:                   # GAUTHIER-LAMY -> GAUTHIER LAMY
        d.surname = d.surname.replace("-", " ")


def _swap_given(_rng: random.Random, d: _Draft) -> None:
    d.given[0], d.given[1] = d.given[1], d.given[0]


def _day_unknown(_rng: random.Random, d: _Draft) -> None:
    d.birth = PartialDate(d.birth.year, d.birth.month, None)


def _recode(rng: random.Random, d: _Draft) -> None:
    d.code = recoded(rng, d.code)


def _used_name(_rng: random.Random, d: _Draft) -> None:
    d.surname = d.used


@dataclass(frozen=True)
class Variation:
    name: str
    rate: float                                   # of the patient lines where it can apply
    label: str                                    # for the help text
    applies: Callable[[_Draft], bool]
    apply: Callable[[random.Random, _Draft], bool | None]  # False: it could not be done after all


# In the order they are drawn: the surname is replaced before it is respelt.
VARIATIONS = (
    Variation("used_name_as_surname", 0.20, "the used name (spouse's) in the surname field, where there is one",
              lambda d: bool(d.used) and d.used != d.surname, _used_name),
    Variation("surname_respelt", 0.15, "particles glued, apostrophe dropped, hyphen as a space (such surnames)",
              lambda d: any(c in d.surname for c in " '-"), _respell),
    Variation("given_names_reordered", 0.10, "first two given names swapped (2+ given names)",
              lambda d: len(d.given) >= 2, _swap_given),
    Variation("extra_given_names", 0.15, "one or two more given names, appended", lambda d: True, _extra_given),
    Variation("birth_day_unknown", 0.04, "birth day written 00", lambda d: d.birth.day is not None, _day_unknown),
    Variation("birth_place_recoded", 0.06, "birth place code of a later COG (places.recoded; born in France)",
              lambda d: bool(d.code) and not d.code.startswith("99"), _recode),
)
BY_NAME = {v.name: v for v in VARIATIONS}


def line_identity(rng: random.Random, identity: dict, vary: bool) -> tuple[LineIdentity, list[str]]:
    """The identity fields of a death line for a cohort identity (a submission's `identity`, or
    Person.identity()), with the variations drawn when `vary`; and the names of those applied."""
    d = _Draft(identity)
    applied = []
    for v in VARIATIONS if vary else ():
        if v.applies(d) and chance(rng, v.rate) and v.apply(rng, d) is not False:
            applied.append(v.name)
    given = " ".join(d.given).split()  # the file separates given names by spaces: THI LAN is two
    # INSEE cuts what does not fit the 80 characters: last given names first, then the surname.
    while len(d.surname) + len(" ".join(given)) + 2 > NAME_WIDTH and len(given) > 1:
        given.pop()
    surname = d.surname[:NAME_WIDTH - 2 - len(" ".join(given))]
    code = d.original_code
    if not code:
        commune = UNKNOWN_COMMUNE[int(rng.random() * len(UNKNOWN_COMMUNE))]
    elif code.startswith("99"):
        commune = abroad_town(rng, code)
    else:
        commune = commune_label(code)  # the birth record's name, even when the code was recoded
    return LineIdentity(surname, tuple(given), d.sex, d.birth, d.code, commune, country_label(code)), applied
