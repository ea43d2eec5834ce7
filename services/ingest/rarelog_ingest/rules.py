"""Business rules of an SDM-MR submission, each with a stable code. Pure: values in, reasons out.

Messages name the field and the rule, never the value: they are shown to data managers and
may be printed on shared terminals.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

from rarelog_kit.messages import Reason

CENTRE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
LOCAL_RECORD_ID = re.compile(r"[^\x00-\x1f]{1,64}")
ORPHACODE = re.compile(r"ORPHA:[1-9][0-9]{0,6}")
ICD10 = re.compile(r"[A-TV-Z][0-9]{2}(\.[0-9A-Z]{1,4})?")
INS = re.compile(r"[12378][0-9]{2}(0[1-9]|1[0-2]|[2-9][0-9])(2[AB]|[0-9]{2})[0-9]{6}[0-9]{2}")
COG = re.compile(r"(2[AB]|[0-9]{2})[0-9]{3}")
EARLIEST_YEAR = 1880


def partial_date_problems(value: dict | None, path: str, today: date) -> list[Reason]:
    """A partial date must be a real calendar date as far as it goes, and not in the future."""
    if value is None:
        return []
    year, month, day = value["year"], value.get("month"), value.get("day")
    if not EARLIEST_YEAR <= year <= 9999:
        return [Reason("date-invalid", f"{path}.year must be between {EARLIEST_YEAR} and today", f"{path}.year")]
    if month is None and day is not None:
        return [Reason("date-invalid", f"{path}: a day needs a month", f"{path}.day")]
    if month is not None and not 1 <= month <= 12:
        return [Reason("date-invalid", f"{path}.month must be 1 to 12", f"{path}.month")]
    if day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        return [Reason("date-invalid", f"{path}.day does not exist in that month", f"{path}.day")]
    if earliest(value) > today:
        return [Reason("date-in-future", f"{path} is in the future", path)]
    return []


def earliest(value: dict) -> date:
    return date(value["year"], value.get("month") or 1, value.get("day") or 1)


def latest(value: dict) -> date:
    year, month = value["year"], value.get("month")
    if month is None:
        return date(year, 12, 31)
    return date(year, month, value.get("day") or calendar.monthrange(year, month)[1])


def ins_problems(ins: str | None, path: str) -> list[Reason]:
    """INS/NIR: 13 characters (Corsica's 2A/2B allowed) and a 2-digit control key, 97 - (n mod 97)."""
    if ins is None:
        return []
    compact = ins.replace(" ", "")
    if not INS.fullmatch(compact):
        return [Reason("ins-syntax", f"{path} must be 13 characters and a 2-digit key", path)]
    body = compact[:13].replace("2A", "19").replace("2B", "18")
    if 97 - int(body) % 97 != int(compact[13:]):
        return [Reason("ins-control-key", f"{path} control key does not match", path)]
    return []


def identity_problems(identity: dict, today: date) -> list[Reason]:
    problems: list[Reason] = []
    for name in ("birth_name", "first_given_name"):
        if not identity[name].strip():
            problems.append(Reason("identity-name-required", f"record.identity.{name} must not be blank",
                                   f"record.identity.{name}"))
    problems += partial_date_problems(identity["birth_date"], "record.identity.birth_date", today)
    place = identity.get("birth_place_cog")
    if place is not None and not COG.fullmatch(place):
        problems.append(Reason("cog-syntax", "record.identity.birth_place_cog must be a 5-character COG code",
                               "record.identity.birth_place_cog"))
    problems += ins_problems(identity.get("ins"), "record.identity.ins")
    return problems


def diagnosis_problems(diagnosis: dict, path: str, birth: dict, today: date) -> list[Reason]:
    orpha, icd = diagnosis.get("orphacode"), diagnosis.get("icd10")
    problems: list[Reason] = []
    if (orpha is None) == (icd is None):
        problems.append(Reason("diagnosis-code-required", f"{path} needs exactly one of orphacode or icd10", path))
    if orpha is not None and not ORPHACODE.fullmatch(orpha):
        problems.append(Reason("orphacode-syntax", f"{path}.orphacode must look like ORPHA:<number>", f"{path}.orphacode"))
    if icd is not None and not ICD10.fullmatch(icd):
        problems.append(Reason("icd10-syntax", f"{path}.icd10 must be an ICD-10 code such as Q87.4", f"{path}.icd10"))
    when = diagnosis.get("diagnosis_date")
    date_problems = partial_date_problems(when, f"{path}.diagnosis_date", today)
    problems += date_problems
    if when is not None and not date_problems and latest(when) < earliest(birth):
        problems.append(Reason("date-before-birth", f"{path}.diagnosis_date is before the birth date",
                               f"{path}.diagnosis_date"))
    return problems


def vital_status_problems(vital: dict, birth: dict, today: date) -> list[Reason]:
    death = vital.get("death_date")
    path = "record.vital_status.death_date"
    if death is None:
        return []
    if not vital.get("deceased"):
        return [Reason("death-date-without-death", f"{path} is set but deceased is false", path)]
    problems = partial_date_problems(death, path, today)
    if not problems and latest(death) < earliest(birth):
        problems.append(Reason("death-before-birth", f"{path} is before the birth date", path))
    return problems
