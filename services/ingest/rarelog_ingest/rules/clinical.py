"""Diagnoses, disease history, antenatal and pregnancy data, treatments, functioning."""
from __future__ import annotations

from rarelog_kit.messages import Reason

from . import codes
from .base import Context, earliest, fault, in_range, latest
from .text import name_problems

# Plausible ranges (min, max, unit) of the antenatal and neonatal measurements.
NEONATAL_RANGES = {
    "gestational_age_weeks": (20, 45, "weeks"),
    "birth_weight_g": (200, 7000, "g"),
    "birth_length_cm": (20, 70, "cm"),
    "head_circumference_cm": (15, 50, "cm"),
}
# Fewest days an age of n units can mean (a month is at least 28 days, a year 365).
DAYS_PER_UNIT = {"DAYS": 1, "WEEKS": 7, "MONTHS": 28, "YEARS": 365}
MAX_AGE_YEARS = 130
MAX_FOETUSES = 10


def diagnoses_problems(diagnoses: list[dict], ctx: Context) -> list[Reason]:
    if not diagnoses:
        return [fault("diagnosis-required", "record.diagnoses",
                      f"needs at least one diagnosis ({codes.UNDIAGNOSED} for a patient without a determined diagnosis)")]
    problems: list[Reason] = []
    seen: set[tuple[str, str]] = set()
    for i, diagnosis in enumerate(diagnoses):
        path = f"record.diagnoses[{i}]"
        problems += diagnosis_problems(diagnosis, path, ctx)
        key = (diagnosis.get("orphacode") or "", diagnosis.get("icd10") or "")
        if key in seen and any(key):
            problems.append(fault("duplicate-entry", path, "repeats the code of an earlier diagnosis"))
        seen.add(key)
    return problems


def diagnosis_problems(diagnosis: dict, path: str, ctx: Context) -> list[Reason]:
    orpha, icd = diagnosis.get("orphacode"), diagnosis.get("icd10")
    problems: list[Reason] = []
    if (orpha is None) == (icd is None):
        problems.append(fault("diagnosis-code-required", path, "needs exactly one of orphacode or icd10"))
    problems += codes.orphacode(orpha, f"{path}.orphacode")
    problems += codes.icd10(icd, f"{path}.icd10")
    problems += codes.centre_id(diagnosis.get("diagnosing_centre_id"), f"{path}.diagnosing_centre_id")
    problems += ctx.before_birth(diagnosis.get("diagnosis_date"), f"{path}.diagnosis_date", prenatal=True)
    for j, concept in enumerate(diagnosis.get("descriptions") or []):
        problems += codes.coded_concept(concept, f"{path}.descriptions[{j}]")
    for j, gene in enumerate((diagnosis.get("genetic") or {}).get("genes") or []):
        problems += codes.syntax(codes.HGNC, "hgnc-syntax", gene, f"{path}.genetic.genes[{j}]", "HGNC: and digits")
    return problems


def disease_history_problems(history: dict | None, ctx: Context) -> list[Reason]:
    problems: list[Reason] = []
    for name in ("first_signs", "clinical_diagnosis", "genetic_diagnosis"):
        if (history or {}).get(name) is not None:
            problems += age_problems(history[name], f"record.disease_history.{name}", ctx)
    return problems


def age_problems(age: dict, path: str, ctx: Context) -> list[Reason]:
    period, value, unit = age["period"], age.get("value"), age.get("unit")
    if period != "AT_AGE":
        if value is not None or unit is not None:
            return [fault("age-precision-unexpected", path, "has a value or unit, which only AT_AGE takes")]
        if period == "POST_MORTEM" and not ctx.deceased:
            return [fault("age-inconsistent", f"{path}.period", "is POST_MORTEM but the patient is not deceased")]
        return []
    if value is None or unit is None:
        return [fault("age-precision-required", path, "is AT_AGE and needs both value and unit")]
    if not in_range(value, 0, MAX_AGE_YEARS * 366 / DAYS_PER_UNIT.get(unit, 1)):
        return [fault("out-of-range", f"{path}.value", f"must be between 0 and {MAX_AGE_YEARS} years")]
    oldest = _oldest_possible_days(ctx)
    if unit in DAYS_PER_UNIT and oldest is not None and value * DAYS_PER_UNIT[unit] > oldest:
        limit = "at death" if ctx.death is not None else "on the day the submission was received"
        return [fault("age-inconsistent", f"{path}.value", f"exceeds the patient's age {limit}")]
    return []


def _oldest_possible_days(ctx: Context) -> int | None:
    if ctx.origin is None or ctx.foetus:
        return None
    end = latest(ctx.death) if ctx.death is not None else ctx.today
    return (end - earliest(ctx.origin)).days


def antenatal_problems(data: dict | None) -> list[Reason]:
    problems: list[Reason] = []
    for name, (low, high, unit) in NEONATAL_RANGES.items():
        value = (data or {}).get(name)
        if value is not None and not in_range(value, low, high):
            problems.append(fault("out-of-range", f"record.antenatal_neonatal.{name}",
                                  f"must be between {low} and {high} {unit}"))
    return problems


def pregnancy_problems(pregnancy: dict | None, ctx: Context) -> list[Reason]:
    if pregnancy is None:
        return []
    path = "record.pregnancy"
    problems = ctx.before_birth(pregnancy["start_date"], f"{path}.start_date")
    count = pregnancy["foetus_count"]
    if not 1 <= count <= MAX_FOETUSES:
        return problems + [fault("out-of-range", f"{path}.foetus_count", f"must be between 1 and {MAX_FOETUSES}")]
    foetuses = pregnancy.get("foetuses") or []
    too_many = len(foetuses) > count
    if too_many:  # then some rank is repeated or too high: this one reason says it
        problems.append(fault("foetus-count-inconsistent", f"{path}.foetuses", "lists more foetuses than foetus_count"))
    start = ctx.valid(pregnancy["start_date"], f"{path}.start_date")
    ranks: set[int] = set()
    for i, foetus in enumerate(foetuses):
        sub = f"{path}.foetuses[{i}]"
        if too_many:
            pass
        elif not 1 <= foetus["rank"] <= count:
            problems.append(fault("out-of-range", f"{sub}.rank", "must be between 1 and foetus_count"))
        elif foetus["rank"] in ranks:
            problems.append(fault("duplicate-entry", f"{sub}.rank", "repeats the rank of an earlier foetus"))
        ranks.add(foetus["rank"])
        problems += name_problems(foetus.get("first_name"), f"{sub}.first_name")
        death = ctx.valid(foetus.get("death_date"), f"{sub}.death_date")
        if death is not None and start is not None and latest(death) < earliest(start):
            problems.append(fault("date-before-pregnancy", f"{sub}.death_date", "is before the pregnancy start"))
    return problems


def foetus_ranks(pregnancy: dict | None) -> set[int]:
    return {f["rank"] for f in (pregnancy or {}).get("foetuses") or []}


def treatments_problems(treatments: list[dict], ctx: Context) -> list[Reason]:
    problems: list[Reason] = []
    for i, treatment in enumerate(treatments):
        path = f"record.treatments[{i}]"
        medicine, atc = treatment.get("orphan_medicine_code"), treatment.get("atc")
        if medicine is None and atc is None:
            problems.append(fault("treatment-code-required", path, "needs an orphan_medicine_code or an atc code"))
        problems += codes.syntax(codes.ORPHAN_MEDICINE, "orphan-medicine-syntax", medicine,
                                 f"{path}.orphan_medicine_code", "an EMA procedure number EMEA/H/C/ and 6 digits")
        problems += codes.syntax(codes.ATC, "atc-syntax", atc, f"{path}.atc", "an ATC code such as L01BC08")
        start = ctx.valid(treatment.get("start"), f"{path}.start")
        end = ctx.valid(treatment.get("end"), f"{path}.end")
        problems += ctx.before_birth(start, f"{path}.start")
        if start is not None and end is not None and latest(end) < earliest(start):
            problems.append(fault("treatment-period-reversed", f"{path}.end", "is before the start"))
        elif start is None:
            problems += ctx.before_birth(end, f"{path}.end")
    return problems


def functioning_problems(scores: list[dict], ctx: Context) -> list[Reason]:
    problems: list[Reason] = []
    for i, score in enumerate(scores):
        path = f"record.functioning[{i}]"
        problems += codes.syntax(codes.ICF, "icf-syntax", score["code"], f"{path}.code",
                                 "an ICF code: b, s, d or e and digits, e.g. b1670")
        qualifier = score.get("qualifier")
        if qualifier is not None and qualifier not in codes.ICF_QUALIFIERS:
            problems.append(fault("not-in-value-set", f"{path}.qualifier", "must be 0 to 4, 8 or 9"))
        problems += ctx.before_birth(score.get("date"), f"{path}.date")
    return problems


def record_dates_problems(dates: dict | None, ctx: Context) -> list[Reason]:
    path = "record.record_dates"
    created = ctx.valid((dates or {}).get("created"), f"{path}.created")
    updated = ctx.valid((dates or {}).get("last_updated"), f"{path}.last_updated")
    if created is not None and updated is not None and latest(updated) < earliest(created):
        return [fault("record-dates-reversed", f"{path}.last_updated", "is before created")]
    return []
