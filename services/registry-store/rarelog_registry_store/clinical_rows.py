"""The clinical content of one RecordLinked, flattened into the warehouse's row tables. Pure.

Each table is keyed by record_key (plus an ordinal for repeated groups), so a record's rows are
replaced as a whole when its upsert wins and can be rebuilt from the events by COPY. Partial
dates stay partial (year, month, day columns); professional and local identifiers (RPPS, care
and activity ids) are not copied, only whether they were recorded.
"""
from __future__ import annotations

from . import completeness

TABLES: dict[str, tuple[str, ...]] = {
    "disease_history": (
        "record_key", "first_signs_period", "first_signs_value", "first_signs_unit", "first_signs_years",
        "clinical_diagnosis_period", "clinical_diagnosis_value", "clinical_diagnosis_unit", "clinical_diagnosis_years",
        "genetic_diagnosis_period", "genetic_diagnosis_value", "genetic_diagnosis_unit", "genetic_diagnosis_years",
        "diagnosis_on_entry", "prenatal_diagnosis"),
    "care_pathway": (
        "record_key", "ordinal", "centre_id", "inclusion_year", "inclusion_month", "inclusion_day",
        "referring_physician_recorded", "outside_labelled_scope", "referred_by", "encounter_type"),
    "activity": (
        "record_key", "ordinal", "centre_id", "activity_year", "activity_month", "activity_day", "context",
        "objectives", "performer_profession", "performer_recorded", "place_finess", "place_country",
        "foetus_rank"),
    "treatment": (
        "record_key", "ordinal", "orphan_medicine_code", "atc", "start_year", "start_month", "start_day",
        "end_year", "end_month", "end_day"),
    "record_dates": (
        "record_key", "created_year", "created_month", "created_day", "last_updated_year", "last_updated_month",
        "last_updated_day", "first_contact_year", "first_contact_month", "first_contact_day", "first_contact_source",
        "last_activity_year", "last_activity_month", "last_activity_day", "activity_count"),
    "consent_research": (
        "record_key", "opposes_reuse_in_bndmr", "ern_registry_consents", "agrees_to_be_contacted",
        "participates_in_protocol", "sample_for_research", "sample_for_diagnosis", "biobanks"),
    "record_item": ("record_key", "item"),
}

# Years per unit of an AgeAt; at birth or before it counts as age 0.
_UNIT_YEARS = {"DAYS": 1 / 365.25, "WEEKS": 7 / 365.25, "MONTHS": 1 / 12, "YEARS": 1.0}


def date_parts(value: dict | None) -> tuple:
    if value is None:
        return (None, None, None)
    return (value["year"], value.get("month"), value.get("day"))


def _order(value: dict) -> tuple:
    # An unknown month or day sorts first: "2015" is not later than "2015-03-02".
    return (value["year"], value.get("month") or 0, value.get("day") or 0)


def age_years(age: dict | None) -> float | None:
    if not age:
        return None
    if age["period"] in ("ANTENATAL", "NEONATAL"):
        return 0.0
    if age["period"] == "AT_AGE" and age.get("value") is not None and age.get("unit") in _UNIT_YEARS:
        return round(age["value"] * _UNIT_YEARS[age["unit"]], 4)
    return None


def _age(age: dict | None) -> tuple:
    if not age:
        return (None, None, None, None)
    return (age["period"], age.get("value"), age.get("unit"), age_years(age))


def first_contact(clinical: dict) -> tuple[dict | None, str | None]:
    """The earliest of the activities' dates and the care pathways' inclusion dates; the record's
    creation date when it has neither."""
    dated = [(a["date"], "activity") for a in clinical.get("activities") or [] if a.get("date")]
    dated += [(c["inclusion_date"], "inclusion") for c in clinical.get("care_pathways") or []
              if c.get("inclusion_date")]
    if dated:
        return min(dated, key=lambda d: (_order(d[0]), d[1]))
    created = (clinical.get("record_dates") or {}).get("created")
    return (created, "record_created") if created else (None, None)


def rows(e: dict) -> dict[str, list[tuple]]:
    """Every clinical row of one RecordLinked value, by table."""
    key, c = e["record_key"], e.get("clinical") or {}
    out: dict[str, list[tuple]] = {table: [] for table in TABLES}
    h = c.get("disease_history")
    if h:
        out["disease_history"].append((key, *_age(h.get("first_signs")), *_age(h.get("clinical_diagnosis")),
                                       *_age(h.get("genetic_diagnosis")), h.get("diagnosis_on_entry"),
                                       h.get("prenatal_diagnosis")))
    for i, p in enumerate(c.get("care_pathways") or []):
        out["care_pathway"].append((key, i, p["centre_id"], *date_parts(p.get("inclusion_date")),
                                    bool(p.get("referring_physician_rpps")), bool(p.get("outside_labelled_scope")),
                                    p.get("referred_by"), p.get("encounter_type")))
    activities = c.get("activities") or []
    for i, a in enumerate(activities):
        out["activity"].append((key, i, a["centre_id"], *date_parts(a.get("date")), a.get("context"),
                                list(a.get("objectives") or []), a.get("performer_profession"),
                                bool(a.get("performer_rpps")), a.get("place_finess"), a.get("place_country"),
                                a.get("foetus_rank")))
    for i, t in enumerate(c.get("treatments") or []):
        out["treatment"].append((key, i, t.get("orphan_medicine_code"), t.get("atc"), *date_parts(t.get("start")),
                                 *date_parts(t.get("end"))))
    dates = c.get("record_dates") or {}
    first, source = first_contact(c)
    last = max((a["date"] for a in activities if a.get("date")), key=_order, default=None)
    out["record_dates"].append((key, *date_parts(dates.get("created")), *date_parts(dates.get("last_updated")),
                                *date_parts(first), source, *date_parts(last), len(activities)))
    consent, research = c.get("consent") or {}, c.get("research") or {}
    out["consent_research"].append((key, bool(consent.get("opposes_reuse_in_bndmr")),
                                    list(consent.get("ern_registry_consents") or []),
                                    research.get("agrees_to_be_contacted"), research.get("participates_in_protocol"),
                                    research.get("sample_for_research"), research.get("sample_for_diagnosis"),
                                    list(research.get("biobanks") or [])))
    out["record_item"] = [(key, item) for item in completeness.filled(e)]
    return out
