"""Rules that hold for every field of a kind, found by walking the schema: every partial date is
a real date and not in the future, free text is bounded and printable, numbers are finite.
Names and coded fields have rules of their own (identity.py, codes.py)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from rarelog_kit.messages import Reason

from .base import Context, fault, in_range, partial_date_problems
from .walk import PARTIAL_DATE, leaves

NAME_MAX = 45     # SDM-MR: birth name at most 45 characters; applied to every name
TEXT_MAX = 256
ID_MAX = 64
NAME_FIELDS = frozenset({"birth_name", "first_given_name", "given_names", "used_name", "used_given_name",
                         "mother_birth_name", "mother_first_given_name", "mother_used_name", "first_name"})
CODED_FIELDS = frozenset({"centre_id", "local_record_id", "diagnosing_centre_id", "orphacode", "icd10", "code",
                          "genes", "ins", "birth_place_cog", "birth_country", "commune_cog", "country",
                          "postal_code", "referring_physician_rpps", "performer_rpps", "place_finess",
                          "place_country", "place_cog", "orphan_medicine_code", "atc", "relationship",
                          "encounter_type"})
ID_FIELDS = frozenset({"local_patient_id", "local_id", "care_id", "activity_id", "diagnosis_id"})
RANGED_NUMBERS = frozenset({"value", "birth_length_cm", "head_circumference_cm"})  # checked where they live
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAME_PUNCTUATION = frozenset(" -'’.")


def text_invalid(value: str) -> bool:
    """Control characters, or unpaired surrogates (which cannot be written as UTF-8)."""
    if _CONTROL.search(value):
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def name_problems(value: str | None, path: str) -> list[Reason]:
    """A name: at most 45 characters, letters with spaces, hyphens, apostrophes or dots, and at
    least one Latin letter (the pseudonym is built from names folded to A-Z). Blank is left to
    the rules that require the name."""
    if value is None or not value.strip():
        return []
    if len(value) > NAME_MAX:
        return [fault("too-long", path, f"must be at most {NAME_MAX} characters")]
    if text_invalid(value) or not all(unicodedata.category(c)[0] in "LM" or c in _NAME_PUNCTUATION for c in value):
        return [fault("name-syntax", path, "may hold only letters, spaces, hyphens, apostrophes and dots")]
    folded = unicodedata.normalize("NFKD", value.replace("ß", "ss").replace("æ", "ae").replace("Æ", "AE")
                                   .replace("œ", "oe").replace("Œ", "OE").replace("ø", "o").replace("Ø", "O"))
    if not re.search(r"[A-Za-z]", folded):
        return [fault("name-syntax", path, "must contain a letter of the Latin alphabet")]
    return []


def free_text_problems(value: str, path: str, limit: int = TEXT_MAX) -> list[Reason]:
    if len(value) > limit:
        return [fault("too-long", path, f"must be at most {limit} characters")]
    if text_invalid(value):
        return [fault("text-invalid", path, "contains control characters or invalid Unicode")]
    return []


def generic_problems(schema: Any, record: dict, ctx: Context) -> list[Reason]:
    """Walks the record once; records refused dates in ctx.bad_dates for the relational rules."""
    problems: list[Reason] = []
    for path, field, kind, value in leaves(schema, record, "record"):
        if kind == PARTIAL_DATE:
            found = partial_date_problems(value, path, ctx.today)
            if found:
                ctx.bad_dates.add(path)
                problems += found
        elif kind == "string":
            if field in NAME_FIELDS or field in CODED_FIELDS:
                continue
            problems += free_text_problems(value, path, ID_MAX if field in ID_FIELDS else TEXT_MAX)
        elif field not in RANGED_NUMBERS and not in_range(value, -1e300, 1e300):
            problems.append(fault("out-of-range", path, "must be a finite number"))
    return problems
