"""Care pathways (follow-up at a rare-disease site) and activities (encounters)."""
from __future__ import annotations

from rarelog_kit.messages import Reason

from . import codes
from .base import Context, earliest, fault, latest


def care_pathways_problems(pathways: list[dict], submitting_centre: str, activities: list[dict],
                           ctx: Context) -> list[Reason]:
    problems: list[Reason] = []
    if pathways and submitting_centre not in {p["centre_id"] for p in pathways}:
        problems.append(fault("centre-not-in-care-pathway", "record.care_pathways",
                              "does not include the submitting centre"))
    first_activity = _first_activity_by_centre(activities, ctx)
    seen: set[str] = set()
    for i, pathway in enumerate(pathways):
        path = f"record.care_pathways[{i}]"
        centre = pathway["centre_id"]
        problems += codes.centre_id(centre, f"{path}.centre_id")
        if centre in seen:
            problems.append(fault("duplicate-entry", f"{path}.centre_id", "repeats the centre of an earlier care pathway"))
        seen.add(centre)
        problems += codes.rpps(pathway.get("referring_physician_rpps"), f"{path}.referring_physician_rpps")
        problems += codes.one_of(pathway.get("encounter_type"), codes.ENCOUNTER_TYPES, f"{path}.encounter_type",
                                 "an HL7 ActEncounterCode: " + ", ".join(codes.ENCOUNTER_TYPES))
        inclusion = ctx.valid(pathway.get("inclusion_date"), f"{path}.inclusion_date")
        if inclusion is None:
            continue
        if ctx.before_origin(inclusion):
            problems.append(fault("date-before-birth", f"{path}.inclusion_date", f"is before {ctx.origin_words()}"))
        elif ctx.after_death(inclusion):
            problems.append(fault("activity-after-death", f"{path}.inclusion_date", "is after the death date"))
        elif centre in first_activity and earliest(inclusion) > first_activity[centre]:
            problems.append(fault("inclusion-after-first-activity", f"{path}.inclusion_date",
                                  "is after the first activity at that centre"))
    return problems


def _first_activity_by_centre(activities: list[dict], ctx: Context) -> dict:
    """The latest day the first activity at each centre can be (partial dates)."""
    first: dict = {}
    for i, activity in enumerate(activities):
        when = ctx.valid(activity["date"], f"record.activities[{i}].date")
        if when is not None:
            centre, last = activity["centre_id"], latest(when)
            first[centre] = min(first.get(centre, last), last)
    return first


def activities_problems(activities: list[dict], foetus_ranks: set[int], ctx: Context) -> list[Reason]:
    problems: list[Reason] = []
    for i, activity in enumerate(activities):
        path = f"record.activities[{i}]"
        problems += codes.centre_id(activity["centre_id"], f"{path}.centre_id")
        problems += codes.rpps(activity.get("performer_rpps"), f"{path}.performer_rpps")
        problems += codes.finess(activity.get("place_finess"), f"{path}.place_finess")
        problems += codes.country(activity.get("place_country"), f"{path}.place_country")
        problems += codes.cog(activity.get("place_cog"), f"{path}.place_cog")
        if not activity.get("objectives"):
            problems.append(fault("activity-objective-required", f"{path}.objectives", "needs at least one objective"))
        rank = activity.get("foetus_rank")
        if rank is not None and rank not in foetus_ranks:
            problems.append(fault("foetus-rank-unknown", f"{path}.foetus_rank",
                                  "names no foetus of record.pregnancy.foetuses"))
        before = ctx.before_birth(activity["date"], f"{path}.date", prenatal=True)
        problems += before
        when = ctx.valid(activity["date"], f"{path}.date")
        if not before and when is not None and ctx.after_death(when):
            problems.append(fault("activity-after-death", f"{path}.date", "is after the death date"))
    return problems
