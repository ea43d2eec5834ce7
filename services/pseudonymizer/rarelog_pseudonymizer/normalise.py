"""Identity normalisation for pseudonyms and linkage encodings. Pure: no I/O, no key.

The same person is written many ways by French hospitals: accents or not, upper or mixed case,
"de la Fontaine" or "DELAFONTAINE", "St-Exupéry" or "SAINT EXUPERY", the married name in the
birth-name field, "Jean-Pierre" or "JEAN PIERRE". Every rule below maps such variants to one
form, so that the exact pseudonym agrees and the fuzzy encodings start from comparable text.

Decisions (docs/linkage.md, "Normalisation"):
- Names keep the letters A-Z only, upper case, accents folded (É→E, Ç→C, Œ→OE, Æ→AE, ß→SS).
- Words are joined: particles stay part of the name ("Le Gall" = "LEGALL", "D'Almeida" =
  "DALMEIDA", "de Gaulle" = "DEGAULLE"), since civil status and hospitals glue or split them at
  random. One exception: a leading "de"/"d'" before an article (la, le, les, l') is dropped,
  apart or glued, because the short form keeps the article: "de la Fontaine" = "La Fontaine" =
  "Delafontaine" = "LAFONTAINE"; "Delaunay" = "Launay".
- "St", "Ste", "Sts" written as a word become SAINT, SAINTE, SAINTS ("St-Exupéry" = "SAINTEXUPERY").
- A birth-name field holding "X épouse Y" or "Y née X" keeps X (the birth name), and Y becomes the
  used name when none was given.
- A compound given name is one given name: "Jean-Pierre" and "Jean Pierre" are JEANPIERRE (civil
  status records it so; JEAN alone is another first given name, which the fuzzy comparison still
  finds close). Given names are each joined and kept in order, separated by a space.
- Dates keep year, month and day as integers with 0 for unknown (the INSEE convention).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_NOT_LETTER = re.compile(r"[^A-Z]")
_NOT_WORD = re.compile(r"[^A-Z]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ẞ": "SS", "ø": "o",
                            "Ø": "O", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "ı": "i"})
_SAINTS = {"ST": "SAINT", "STE": "SAINTE", "STS": "SAINTS", "STES": "SAINTES"}
# "X épouse Y", "X ep. Y", "X veuve Y" (birth name first) and "Y née X" (used name first).
_MARRIED = re.compile(r"^(?P<birth>.+?)\s+(?:EPOUSE|EP|VEUVE|VVE)\s+(?P<used>.+)$")
_NEE = re.compile(r"^(?P<used>.+?)\s+NEE\s+(?P<birth>.+)$")
_ISO_PARTIAL = re.compile(r"(\d{4})(?:-?(\d{2})(?:-?(\d{2}))?)?")


def _ascii_upper(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def fold(text: str | None) -> str:
    """Upper case, accents folded (É→E, Œ→OE), only the letters A-Z kept: the historical fold of
    the pseudonymizer, unchanged in spirit ("Saint-Martin " → SAINTMARTIN)."""
    return _NOT_LETTER.sub("", _ascii_upper(text or ""))


def words(text: str | None) -> list[str]:
    """Folded words: spaces, hyphens, apostrophes, dots and digits all separate words."""
    return [w for w in _NOT_WORD.split(_ascii_upper(text or "")) if w]


def _drop_leading_de(joined: str) -> str:
    """de la Fontaine / de l'Orme / Delafontaine → LAFONTAINE / LORME (see module doc). Applied
    to the joined words, so apart and glued spellings meet; "DEL" + vowel is exactly "de" + an
    article (la, le, les, l'). A remainder shorter than 4 letters keeps its "DE" (DELON)."""
    if joined.startswith("DEL") and len(joined) > 3 and joined[3] in "AEIOUY" and len(joined) - 2 >= 4:
        return joined[2:]
    return joined


def surname_form(text: str | None) -> str:
    """The normalised form of a family name (birth or used)."""
    return _drop_leading_de("".join(_SAINTS.get(w, w) for w in words(text)))


def given_form(text: str | None) -> str:
    """One given name, compound ones joined: "Jean-Pierre" → JEANPIERRE, "Ste" not expanded
    (no given name starts with a saint's abbreviation)."""
    return "".join(words(text))


def split_birth_and_used(birth_name: str | None, used_name: str | None) -> tuple[str, str]:
    """Birth name and used name, taking apart "X épouse Y" / "Y née X" written in one field."""
    spaced = " ".join(words(birth_name))
    married, nee = _MARRIED.match(spaced), _NEE.match(spaced)
    match = married or nee
    if match:
        birth, used_in_field = match["birth"], match["used"]
        return surname_form(birth), surname_form(used_name) or surname_form(used_in_field)
    return surname_form(birth_name), surname_form(used_name)


def date_parts(value: dict | str | None) -> tuple[int, int, int]:
    """(year, month, day), 0 for unknown. Accepts a PartialDate value or 'YYYY[-MM[-DD]]' /
    'YYYYMMDD' text. Values are kept as written (a month 13 stays 13): validation is ingest's job,
    and an impossible date still carries evidence for the fuzzy comparison."""
    if not value:
        return 0, 0, 0
    if isinstance(value, str):
        match = _ISO_PARTIAL.fullmatch(value.strip())
        if not match:
            return 0, 0, 0
        y, m, d = match.groups()
        return int(y), int(m or 0), int(d or 0)
    month = value.get("month") or 0
    return int(value.get("year") or 0), int(month), int(value.get("day") or 0) if month else 0


_SEXES = {"M": "M", "F": "F", "UNDETERMINED": "U"}


@dataclass(frozen=True)
class NormalisedIdentity:
    """Plain values only, so it can be logged nowhere and hashed anywhere. Empty string / 0 mean
    unknown."""
    surname: str           # birth name (nom de naissance), or the mother's for a foetus
    used_name: str         # nom d'usage, a separate trait for linkage
    first_given_name: str  # JEANPIERRE for "Jean-Pierre"
    given_names: str       # all birth given names, each joined, space-separated, in order
    birth_year: int        # for a foetus: the pregnancy start date (DDG)
    birth_month: int
    birth_day: int
    sex: str               # "M", "F", "U" (undetermined) or "" (unknown)
    birth_place: str       # COG code ("75056", "99134"), or any place text standing in for it
    foetus_rank: int = 0   # 0 for a person

    @property
    def is_foetus(self) -> bool:
        return self.foetus_rank > 0


def _place(code: str | None) -> str:
    # COG codes are alphanumeric (2A004): keep letters and digits, upper case, no spaces.
    return re.sub(r"[^0-9A-Z]", "", _ascii_upper(code or ""))


def normalise_identity(identity: dict) -> NormalisedIdentity:
    """An Identity value (Avro, or the JSON submission form with ISO dates) in, plain values out.
    A foetus is named the SDM-MR way: mother's names, pregnancy start date, rank."""
    foetus = identity.get("foetus")
    if foetus:
        birth, used = split_birth_and_used(foetus.get("mother_birth_name"), foetus.get("mother_used_name"))
        year, month, day = date_parts(foetus.get("pregnancy_start_date"))
        first = given_form(foetus.get("mother_first_given_name"))
        return NormalisedIdentity(birth, used, first, first, year, month, day, "", "", int(foetus.get("rank") or 1))
    birth, used = split_birth_and_used(identity.get("birth_name"), identity.get("used_name"))
    given = [g for g in (given_form(n) for n in identity.get("given_names") or []) if g]
    first = given_form(identity.get("first_given_name")) or (given[0] if given else "")
    if first and (not given or given[0] != first):
        given.insert(0, first)
    year, month, day = date_parts(identity.get("birth_date"))
    place = _place(identity.get("birth_place_cog"))
    return NormalisedIdentity(birth, used, first, " ".join(given), year, month, day,
                              _SEXES.get(str(identity.get("sex") or "").upper(), ""), place)
