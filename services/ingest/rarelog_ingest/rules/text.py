"""Rules that hold for every field of a kind, found by walking the schema: every partial date is
a real date and not in the future, free text is bounded and printable, numbers are finite.
Names and coded fields have rules of their own (identity.py, codes.py)."""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from rarelog_kit.messages import Reason

from .base import Context, fault, in_range, partial_date_ok, partial_date_problems
from .walk import PARTIAL_DATE, Check, by_identity, compile_leaves

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
# Control characters, and surrogates: a str holds a surrogate only unpaired (JSON's escaped
# pairs decode to one code point), and UTF-8 cannot encode it.
_INVALID = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAME_PUNCTUATION = frozenset(" -'’.")
# Most names: Latin letters (Latin-1's accented ones too), the punctuation above, and at least
# one letter A-Z. Such a name passes every check of name_problems, which skips them for it.
_PLAIN_NAME = re.compile("[A-Za-zÀ-ÖØ-öø-ÿ '’.-]*[A-Za-z][A-Za-zÀ-ÖØ-öø-ÿ '’.-]*")


def text_invalid(value: str) -> bool:
    """Control characters, or unpaired surrogates (which cannot be written as UTF-8)."""
    return _INVALID.search(value) is not None


def name_problems(value: str | None, path: str) -> list[Reason]:
    """A name: at most 45 characters, letters with spaces, hyphens, apostrophes or dots, and at
    least one Latin letter (the pseudonym is built from names folded to A-Z). Blank is left to
    the rules that require the name."""
    if value is None or not value.strip():
        return []
    if len(value) > NAME_MAX:
        return [fault("too-long", path, f"must be at most {NAME_MAX} characters")]
    if _PLAIN_NAME.fullmatch(value):
        return []
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
    """Checks the record in one compiled walk; records refused dates in ctx.bad_dates for the
    relational rules. Reasons come in the order of the schema's fields."""
    check = by_identity(_generic_checks, schema, lambda s: compile_leaves(s, _leaf_check))
    problems: list[Reason] = []
    if check is not None and not check.ok(record, ctx):
        check.report(record, "record", ctx, problems)
    return problems


_generic_checks: dict = {}


def _leaf_check(field: str, kind: str) -> Check | None:
    """The rule of one leaf of the record, by its kind and the field it sits in."""
    if kind == PARTIAL_DATE:
        return _DATE
    if kind == "string":
        if field in NAME_FIELDS or field in CODED_FIELDS:
            return None
        return _text_check(ID_MAX if field in ID_FIELDS else TEXT_MAX)
    if field in RANGED_NUMBERS:
        return None
    return _FINITE


def _date_report(value: dict, path: str, ctx: Context, out: list) -> None:
    found = partial_date_problems(value, path, ctx.today)
    if found:
        ctx.bad_dates.add(path)
        out += found


_DATE = Check(lambda value, ctx: partial_date_ok(value, ctx.today), _date_report)
_FINITE = Check(lambda value, ctx: in_range(value, -1e300, 1e300),
                lambda value, path, ctx, out: out.append(fault("out-of-range", path, "must be a finite number")))


def _text_check(limit: int) -> Check:
    return Check(lambda value, ctx: len(value) <= limit and _INVALID.search(value) is None,
                 lambda value, path, ctx, out: out.extend(free_text_problems(value, path, limit)))
