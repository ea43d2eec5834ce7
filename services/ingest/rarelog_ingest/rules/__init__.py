"""Business rules of an SDM-MR submission, each with a stable code. Pure: values in, reasons out.

Rules run on a submission that already conforms to the Avro schema. One fault gives one reason;
a record with several faults gets all of them. Messages name the field path and the rule, never
the value: they are shown to data managers and may be printed on shared terminals.

Groups: text.py (every date, free text and number, found by walking the schema), codes.py
(identifier and terminology syntax, Orphanet reference), identity.py (person or foetus,
residence, family, vital status), clinical.py (diagnoses, history, pregnancy, treatments,
functioning), care.py (care pathways, activities).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from rarelog_kit.messages import Reason

from . import care, clinical, identity, text
from .base import EARLIEST_YEAR, Context, earliest, latest, partial_date_problems
from .codes import CENTRE_ID, LOCAL_RECORD_ID

__all__ = ["CENTRE_ID", "EARLIEST_YEAR", "LOCAL_RECORD_ID", "earliest", "latest", "partial_date_problems",
           "record_problems", "record_schema"]


def record_schema(submission_schema: dict) -> Any:
    """The SdmmrRecord branch of the expanded Submission schema."""
    field = next(f for f in submission_schema["fields"] if f["name"] == "record")
    return next(b for b in field["type"] if b != "null")


def record_problems(record: dict, schema: Any, submitting_centre: str, today: date) -> list[Reason]:
    """Every business fault of a conforming SdmmrRecord; `schema` is its expanded schema."""
    ctx = Context(today)
    problems = text.generic_problems(schema, record, ctx)
    ident = record["identity"]
    ctx.foetus = ident.get("foetus") is not None and ident.get("birth_date") is None
    if ctx.foetus:
        ctx.origin = ctx.valid(ident["foetus"]["pregnancy_start_date"], "record.identity.foetus.pregnancy_start_date")
    else:
        ctx.origin = ctx.valid(ident.get("birth_date"), "record.identity.birth_date")
    vital = record.get("vital_status") or {}
    ctx.deceased = bool(vital.get("deceased"))
    vital_problems = identity.vital_status_problems(vital, ctx)
    if ctx.deceased and not vital_problems:
        ctx.death = ctx.valid(vital.get("death_date"), "record.vital_status.death_date")

    problems += identity.identity_problems(ident)
    problems += identity.residence_problems(record.get("residence"))
    problems += vital_problems
    problems += identity.family_problems(record)
    problems += clinical.diagnoses_problems(record.get("diagnoses") or [], ctx)
    problems += clinical.disease_history_problems(record.get("disease_history"), ctx)
    problems += clinical.antenatal_problems(record.get("antenatal_neonatal"))
    problems += clinical.pregnancy_problems(record.get("pregnancy"), ctx)
    activities = record.get("activities") or []
    problems += care.care_pathways_problems(record.get("care_pathways") or [], submitting_centre, activities, ctx)
    problems += care.activities_problems(activities, clinical.foetus_ranks(record.get("pregnancy")), ctx)
    problems += clinical.treatments_problems(record.get("treatments") or [], ctx)
    problems += clinical.functioning_problems(record.get("functioning") or [], ctx)
    problems += clinical.record_dates_problems(record.get("record_dates"), ctx)
    return problems
