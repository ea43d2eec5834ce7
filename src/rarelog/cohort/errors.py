"""Identity errors of the kinds real registries see, applied to a patient's further records
(the first record carries the true identity). Each kind has its own rate, applied
independently to every further record where it can apply; the ground truth lists the kinds
applied to each record."""
from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Callable

from . import names as N
from .params import REFERENCE_DAY

# AZERTY neighbours: a substitution typo hits a key next to the right one.
_AZERTY_ROWS = ("azertyuiop", "qsdfghjklm", "wxcvbn")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_AZERTY_ROWS):
    for _i, _ch in enumerate(_row):
        near = _row[max(0, _i - 1):_i] + _row[_i + 1:_i + 2]
        for _other in (_AZERTY_ROWS[_r - 1] if _r else "", _AZERTY_ROWS[_r + 1] if _r < 2 else ""):
            near += _other[max(0, _i - 1):_i + 1]
        _NEIGHBOURS[_ch] = near
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ı": "i", "ł": "l", "Ł": "L",
                            "đ": "d", "Đ": "D", "ø": "o", "Ø": "O"})
_NAME_FIELDS = ("birth_name", "first_given_name", "used_name", "used_given_name")
_MOTHER_FIELDS = ("mother_birth_name", "mother_first_given_name", "mother_used_name")


@lru_cache(maxsize=1 << 16)  # names repeat a lot; decomposing each time was a hot spot
def fold(text: str) -> str:
    """The text without accents or ligatures, as many hospital systems store names."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def typo(rng: random.Random, text: str) -> str:
    """One-letter typo: substitution by a keyboard neighbour, insertion, deletion or
    transposition of two adjacent letters. Always returns a different, non-blank text."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    for _ in range(10):
        i = letters[int(rng.random() * len(letters))]
        ch = text[i]
        u = rng.random()
        if u < 0.4:
            near = _NEIGHBOURS.get(fold(ch).lower(), "e")
            new = near[int(rng.random() * len(near))]
            out = text[:i] + (new.upper() if ch.isupper() else new) + text[i + 1:]
        elif u < 0.6:
            out = text[:i] + ch.lower() + text[i:] if rng.random() < 0.5 else text[:i + 1] + "e" + text[i + 1:]
        elif u < 0.8 and len(letters) > 2:
            out = text[:i] + text[i + 1:]
        elif i + 1 < len(text) and text[i + 1].isalpha():
            out = text[:i] + text[i + 1] + ch + text[i + 2:]
        else:
            continue
        if out != text and out.strip():
            return out
    return text + "e"


@dataclass(frozen=True)
class ErrorKind:
    name: str
    rate: float        # applied to this share of the further records where it can apply
    label: str         # for the help text
    eligible: Callable[[dict, date], bool]          # (true identity, earliest event of the record)
    apply: Callable[[random.Random, dict], None]    # mutates the record's identity


def _is_person(identity: dict) -> bool:
    return identity["foetus"] is None


def _apply_typo(rng: random.Random, identity: dict) -> None:
    foetus = identity["foetus"]
    if foetus is not None:
        key = "mother_birth_name" if rng.random() < 0.65 else "mother_first_given_name"
        foetus[key] = typo(rng, foetus[key])
        return
    u = rng.random()
    if u < 0.1 and identity["used_name"]:
        identity["used_name"] = typo(rng, identity["used_name"])
    elif u < 0.65:
        identity["birth_name"] = typo(rng, identity["birth_name"])
    else:  # the first given name is typed once: it shows in both fields
        identity["first_given_name"] = identity["given_names"][0] = typo(rng, identity["first_given_name"])


def _has_accents(identity: dict) -> bool:
    values = [identity[k] for k in _NAME_FIELDS] + list(identity["given_names"])
    if identity["foetus"] is not None:
        values += [identity["foetus"][k] for k in _MOTHER_FIELDS]
    return any(v and fold(v) != v for v in values)


def _drop_accents(rng: random.Random, identity: dict) -> None:
    for key in _NAME_FIELDS:
        if identity[key]:
            identity[key] = fold(identity[key])
    identity["given_names"] = [fold(g) for g in identity["given_names"]]
    foetus = identity["foetus"]
    if foetus is not None:
        for key in _MOTHER_FIELDS:
            if foetus[key]:
                foetus[key] = fold(foetus[key])


def _swap_names(rng: random.Random, identity: dict) -> None:
    family, given = identity["birth_name"], identity["first_given_name"]
    identity["birth_name"], identity["first_given_name"] = given, family
    identity["given_names"][0] = family


def _used_as_birth(rng: random.Random, identity: dict) -> None:
    identity["birth_name"] = identity["used_name"]
    if rng.random() < 0.7:
        identity["used_name"] = None


def _swap_candidate(text: str | None) -> str | None:
    if text is None or len(text) != 10:
        return None
    year, month, day = text.split("-")
    if day == month or int(day) > 12:
        return None
    return f"{year}-{day}-{month}"


def _swappable(identity: dict, floor: date) -> bool:
    """Only when the swap gives a valid, different date that does not fall after any event of
    the record (a birth after the diagnosis would be refused, not mis-linked)."""
    foetus = identity["foetus"]
    swapped = _swap_candidate(foetus["pregnancy_start_date"] if foetus else identity["birth_date"])
    return swapped is not None and date.fromisoformat(swapped) <= min(floor, REFERENCE_DAY)


def _swap_day_month(rng: random.Random, identity: dict) -> None:
    foetus = identity["foetus"]
    if foetus is not None:
        foetus["pregnancy_start_date"] = _swap_candidate(foetus["pregnancy_start_date"])
    else:
        identity["birth_date"] = _swap_candidate(identity["birth_date"])
        identity["ins"] = None  # a qualified INS would have corrected the birth date


def _drop_place(rng: random.Random, identity: dict) -> None:
    identity["birth_place_cog"] = identity["birth_country"] = None


def _drop_given(rng: random.Random, identity: dict) -> None:
    given = identity["given_names"]
    del given[1 + int(rng.random() * (len(given) - 1))]


def _add_given(rng: random.Random, identity: dict) -> None:
    pool = N.FEMALE_OLD if identity["sex"] == "F" else N.MALE_OLD
    for _ in range(10):
        extra = pool[int(rng.random() * 60)]
        if extra not in identity["given_names"]:
            identity["given_names"].append(extra)
            return


ERROR_KINDS: tuple[ErrorKind, ...] = (
    ErrorKind("typo", 0.08, "one-letter typo in a name (substitution, insertion, deletion, transposition)",
              lambda i, f: True, _apply_typo),
    ErrorKind("accents_dropped", 0.15, "accents dropped (names with accents)", lambda i, f: _has_accents(i),
              _drop_accents),
    ErrorKind("names_swapped", 0.015, "given and family names swapped", lambda i, f: _is_person(i), _swap_names),
    ErrorKind("used_name_as_birth_name", 0.15, "used (married) name given as birth name (patients with one)",
              lambda i, f: _is_person(i) and bool(i["used_name"]), _used_as_birth),
    ErrorKind("day_month_swapped", 0.04, "day and month of birth swapped (where that gives another valid date)",
              _swappable, _swap_day_month),
    ErrorKind("birth_place_missing", 0.08, "birth place missing", lambda i, f: bool(i["birth_place_cog"]),
              _drop_place),
    ErrorKind("given_name_missing", 0.08, "a further given name missing (patients with two or more)",
              lambda i, f: _is_person(i) and len(i["given_names"]) > 1, _drop_given),
    ErrorKind("given_name_extra", 0.04, "an extra given name", lambda i, f: _is_person(i), _add_given),
)


def eligible_kinds(truth: dict, floor: date) -> tuple[str, ...]:
    """The error kinds that can apply to a further record of this true identity."""
    return tuple(k.name for k in ERROR_KINDS if k.eligible(truth, floor))


def apply_errors(rng: random.Random, identity: dict, eligible: tuple[str, ...]) -> list[str]:
    """Spoils a further record's identity in place; returns the kinds applied, in order. One
    draw per kind whatever applies, so the rest of the cohort does not shift with it."""
    applied = []
    for kind in ERROR_KINDS:
        if rng.random() < kind.rate and kind.name in eligible:
            kind.apply(rng, identity)
            applied.append(kind.name)
    return applied
