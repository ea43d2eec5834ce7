"""Verified deaths (VitalStatusVerified: a death of INSEE's deceased-persons file matched to a
patient by the reconciler) as rows of `death_verified`. Pure: events in, rows out.

A row is keyed by death_id, so a replayed or re-delivered event rewrites the same row (the last
event of a death_id in the log wins, in the sink as in the bulk replay). It keeps the record the
death matched, not only the patient: the views find the patient through that record, so the
death follows it through later merges and splits, whatever order they come in. Whether the death
contradicts what centres reported is computed by views (sql/009_deaths.sql), never written
over the centres' data.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

VITAL_EVENTS = ("VitalStatusVerified",)
# death_date, the partial date as one date (latest_day), is a column generated from these (009_deaths.sql).
DEATH_COLUMNS = ("death_id", "record_key", "patient_id_at_match", "death_year", "death_month", "death_day",
                 "death_departement", "source", "match_step", "match_probability", "import_id", "verified_at",
                 "event_id")


@dataclass
class DeathsVerified:
    rows: dict[str, tuple] = field(default_factory=dict)  # death_id -> DEATH_COLUMNS row, the batch's last

    @property
    def patients(self) -> set[str]:
        return set()  # no derived patient row reads it: the vital-status views do


def death_problem(e: dict) -> str | None:
    """Why a verified death cannot be stored (it is quarantined): a date PostgreSQL would refuse
    would otherwise fail the whole batch again and again."""
    d = e["death_date"]
    if d is None:  # sealed and not opened: the adapter opens it (sealed.py) or skips the event
        return "a verified death has no date"
    month, day = d.get("month"), d.get("day")
    if day is not None and month is None:
        return "a verified death's date has a day without a month"
    try:
        date(d["year"], 1 if month is None else month, 1 if day is None else day)  # 0 is no month nor day
    except ValueError as exc:
        return f"a verified death's date is not a calendar date: {exc}"
    return None


def death_row(e: dict) -> tuple:
    d, at = e["death_date"], e["received_at"]
    verified_at = at if isinstance(at, datetime) else datetime.fromtimestamp(at / 1000, timezone.utc)
    return (e["death_id"], e["record_key"], e["patient_id"], d["year"], d.get("month"), d.get("day"),
            e.get("death_departement"), e["source"], e["match_step"], e.get("match_probability"), e["import_id"],
            verified_at, e["event_id"])
