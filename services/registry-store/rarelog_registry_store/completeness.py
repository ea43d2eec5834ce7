"""Which SDM-MR items a record fills in, for the completeness views. Pure.

Only items that apply to every record are listed (a death date applies only to the dead, a
pregnancy only to pregnant patients), so "share of active records where the item is filled" is
a fair measure for each. Booleans with a default (consent, outside-labelled-scope) are always
"filled" and are left out. The warehouse stores the filled (record, item) pairs; the item list
itself is loaded into {registry}.sdm_item, so items no record fills still show, at 0.
"""
from __future__ import annotations

from typing import Callable, NamedTuple


class Item(NamedTuple):
    item: str      # the Avro path (without `record.`), as in docs/sdm-mr.md
    group: str     # the SDM-MR group
    filled: Callable[[dict], bool]


def _c(e: dict, group: str):
    return (e.get("clinical") or {}).get(group)


def _any(e: dict, group: str, field: str, empty=(None, "UNKNOWN", "OTHER")) -> bool:
    """The field is set on at least one element of a repeated group."""
    values = _c(e, group) if group in ("care_pathways", "activities") else e.get(group)
    return any(x.get(field) not in empty and x.get(field) != [] for x in values or [])


def _in(e: dict, group: str, field: str) -> bool:
    value = (_c(e, group) or {}).get(field)
    return value is not None and value != "UNKNOWN" and value != []


ITEMS: tuple[Item, ...] = (
    Item("identity.sex", "Personal information", lambda e: e.get("sex") not in (None, "UNKNOWN")),
    Item("identity.birth_date", "Personal information", lambda e: bool(e.get("birth_year_month"))),
    Item("identity.birth_place_cog", "Personal information", lambda e: bool(e.get("birth_area"))),
    Item("residence.commune_cog", "Residence", lambda e: bool(e.get("residence_departement"))),
    Item("diagnoses.code", "Diagnosis",
         lambda e: any(d.get("orphacode") or d.get("icd10") for d in e.get("diagnoses") or [])),
    Item("diagnoses.status", "Diagnosis", lambda e: _any(e, "diagnoses", "status")),
    Item("diagnoses.diagnosis_date", "Diagnosis", lambda e: _any(e, "diagnoses", "diagnosis_date")),
    Item("diagnoses.descriptions", "Diagnosis", lambda e: _any(e, "diagnoses", "descriptions")),
    Item("diagnoses.sporadic_familial", "Diagnosis", lambda e: _any(e, "diagnoses", "sporadic_familial")),
    Item("diagnoses.heredity", "Diagnosis", lambda e: _any(e, "diagnoses", "heredity", (None, "INC", "OTHER"))),
    Item("diagnoses.genetic", "Confirmation", lambda e: _any(e, "diagnoses", "genetic")),
    Item("family.consanguinity", "Family", lambda e: _in(e, "family", "consanguinity")),
    Item("family.first_case_in_family", "Family", lambda e: _in(e, "family", "first_case_in_family")),
    Item("care_pathways.inclusion_date", "Care pathway", lambda e: _any(e, "care_pathways", "inclusion_date")),
    Item("care_pathways.referring_physician_rpps", "Care pathway",
         lambda e: _any(e, "care_pathways", "referring_physician_rpps")),
    Item("care_pathways.referred_by", "Care pathway", lambda e: _any(e, "care_pathways", "referred_by")),
    Item("care_pathways.encounter_type", "Care pathway", lambda e: _any(e, "care_pathways", "encounter_type")),
    Item("activities.date", "Activity", lambda e: _any(e, "activities", "date")),
    Item("activities.performer_profession", "Activity", lambda e: _any(e, "activities", "performer_profession")),
    Item("activities.objectives", "Activity", lambda e: _any(e, "activities", "objectives")),
    Item("disease_history.first_signs", "Disease history", lambda e: _in(e, "disease_history", "first_signs")),
    Item("disease_history.clinical_diagnosis", "Disease history",
         lambda e: _in(e, "disease_history", "clinical_diagnosis")),
    Item("disease_history.genetic_diagnosis", "Disease history",
         lambda e: _in(e, "disease_history", "genetic_diagnosis")),
    Item("disease_history.diagnosis_on_entry", "Disease history",
         lambda e: _in(e, "disease_history", "diagnosis_on_entry")),
    Item("disease_history.prenatal_diagnosis", "Disease history",
         lambda e: _in(e, "disease_history", "prenatal_diagnosis")),
    Item("research.agrees_to_be_contacted", "Research", lambda e: _in(e, "research", "agrees_to_be_contacted")),
    Item("research.participates_in_protocol", "Research",
         lambda e: _in(e, "research", "participates_in_protocol")),
    Item("research.sample_for_research", "Research", lambda e: _in(e, "research", "sample_for_research")),
    Item("research.sample_for_diagnosis", "Research", lambda e: _in(e, "research", "sample_for_diagnosis")),
    Item("record_dates.created", "Record dates", lambda e: _in(e, "record_dates", "created")),
    Item("record_dates.last_updated", "Record dates", lambda e: _in(e, "record_dates", "last_updated")),
)


def filled(e: dict) -> list[str]:
    """The items a RecordLinked value fills in."""
    return [i.item for i in ITEMS if i.filled(e)]
