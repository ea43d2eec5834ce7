"""Follow-up at one centre: the stay (inclusion to last contact), its care pathway and its
activities. Activities are in date order, the first never before the inclusion, none after
death."""
from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date

from .clinical import Course
from .dates import plus, text, uniform_day
from .params import REFERENCE_DAY
from .sampling import Weighted

_CONTEXTS = Weighted.of([("CONSULTATION", 55), ("MULTIDISCIPLINARY_CONSULTATION", 12), ("DAY_HOSPITAL", 10),
                         ("TELECONSULTATION", 6), ("INPATIENT_STAY", 4), ("FILE_REVIEW_IN_CONSULTATION", 4),
                         ("EXPERT_FILE_OPINION", 3), ("LOCAL_MDT_ORGANISER", 3), ("NATIONAL_MDT_PARTICIPANT", 1),
                         ("WARD_OPINION", 1), ("OTHER", 1)])
_FOLLOW_UP = Weighted.of([("FOLLOW_UP", 80), ("GENETIC_COUNSELLING", 5), ("THERAPEUTIC_EDUCATION", 4),
                          ("MEDICAL_PROCEDURE", 4), ("DIAGNOSIS", 3), ("EMERGENCY_CARE", 2), ("RESEARCH_PROTOCOL", 2)])
_PROFESSIONS = Weighted.of([("PHYSICIAN", 86), ("NURSE", 4), ("PSYCHOLOGIST", 2), ("PHYSIOTHERAPIST", 2),
                            ("DIETITIAN", 1), ("SPEECH_THERAPIST", 1), ("SOCIAL_WORKER", 1),
                            ("OCCUPATIONAL_THERAPIST", 1), ("PSYCHOMOTOR_THERAPIST", 1), ("SPECIALISED_EDUCATOR", 1)])
_REFERRED_CHILD = Weighted.of([("HOSPITAL_PAEDIATRICIAN", 35), ("COMMUNITY_PAEDIATRICIAN", 15), ("PMI", 3),
                               ("GENERAL_PRACTITIONER", 10), ("MEDICAL_GENETICS", 10), ("CRMR", 8), ("CCMR", 6),
                               ("OTHER_SPECIALIST", 8), ("SELF", 3), ("CARE_SITE", 2)])
_REFERRED_ADULT = Weighted.of([("OTHER_SPECIALIST", 35), ("GENERAL_PRACTITIONER", 20), ("CRMR", 10), ("CCMR", 8),
                               ("MEDICAL_GENETICS", 7), ("SELF", 8), ("PATIENT_ASSOCIATION", 2), ("CARE_SITE", 5),
                               ("OTHER_PERSON", 2), ("OTHER", 3)])
_REFERRED_FOETUS = Weighted.of([("CPDPN", 60), ("GYNAECOLOGY_OBSTETRICS", 30), ("MEDICAL_GENETICS", 10)])
TELECONSULTATION_FROM = date(2019, 1, 1)


def rpps(rng: random.Random) -> str:
    """An 11-digit RPPS number starting with 10, its last digit a Luhn key."""
    body = "10" + "".join(str(int(rng.random() * 10)) for _ in range(8))
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


@dataclass(slots=True)
class Stay:
    centre: str
    inclusion: date
    end: date          # last possible contact: death, loss to follow-up or the reference day
    first: bool


def stays(rng: random.Random, c: Course, centres: list[str]) -> list[Stay]:
    """The first centre includes at the first contact and follows the patient at least through
    the diagnosis (it is the reference centre: it knows the diagnosis and a death); the others
    include later, while the patient is alive, and may lose sight of the patient."""
    last = c.last_day
    known = max(c.diagnosis or c.first_inclusion, c.genetic or c.first_inclusion, c.first_inclusion)
    out = []
    for i, centre in enumerate(centres):
        inclusion = c.first_inclusion if i == 0 else uniform_day(rng, c.first_inclusion, last)
        end = last if rng.random() < 0.6 else min(last, plus(inclusion, rng.expovariate(1 / (5 * 365.25))))
        if i == 0:
            end = min(last, max(end, known))
        out.append(Stay(centre, inclusion, end, i == 0))
    return out


def care_pathway(rng: random.Random, c: Course, stay: Stay, local_id: str, physicians: list[str],
                 child: bool) -> dict:
    referred = _REFERRED_FOETUS if c.foetus else _REFERRED_CHILD if child else _REFERRED_ADULT
    return {"care_id": f"{local_id}-P1", "centre_id": stay.centre, "inclusion_date": text(stay.inclusion),
            "referring_physician_rpps": physicians[int(rng.random() * len(physicians))],
            "outside_labelled_scope": rng.random() < 0.03, "referred_by": referred.pick(rng),
            "encounter_type": "IMP" if rng.random() < 0.15 else "AMB"}


def _visit_table() -> Weighted[tuple[str, str, str]]:
    """(context, profession, follow-up objective) drawn at once: one draw per activity instead of
    three (they are independent, so the joint weight is the product)."""
    rows = [((c, p, o), wc * wp * wo) for c, wc in zip(_CONTEXTS.items, _weights(_CONTEXTS))
            for p, wp in zip(_PROFESSIONS.items, _weights(_PROFESSIONS))
            for o, wo in zip(_FOLLOW_UP.items, _weights(_FOLLOW_UP))]
    return Weighted.of(rows)


def _weights(w: Weighted) -> list[float]:
    return [b - a for a, b in zip([0.0] + w.cumulative[:-1], w.cumulative)]


_VISITS = _visit_table()
_TELECONSULTATION_FROM = TELECONSULTATION_FROM.toordinal()


def activities(rng: random.Random, c: Course, stay: Stay, physicians: list[str], on_entry: str) -> list[dict]:
    start, end = stay.inclusion.toordinal(), stay.end.toordinal()
    years = (end - start) / 365.25
    # About one contact a year after the first: a long follow-up has more, a short one few.
    count = 1 + min(30, int(rng.expovariate(1 / (0.3 + 0.7 * years))))
    first = start if rng.random() < 0.7 else min(start + int(rng.random() * 21), end)
    span = end - first + 1
    days = [first] + sorted(first + int(rng.random() * span) for _ in range(count - 1))
    genetic = c.genetic.toordinal() if c.genetic is not None else None
    birth = c.origin.toordinal()
    result, centre, n_phys = [], stay.centre, len(physicians)
    random_, visits, cumulative, total = rng.random, _VISITS.items, _VISITS.cumulative, _VISITS.total
    for k, day in enumerate(days):
        context, profession, objective = visits[bisect(cumulative, random_() * total)]  # inlined pick
        if c.foetus:
            objectives = ["PRENATAL_DIAGNOSIS"] + (["GENETIC_COUNSELLING"] if rng.random() < 0.3 else [])
        elif k == 0:
            objectives = ["CARE_SETUP"] if on_entry == "ADEQUATE" else ["DIAGNOSIS"]
        elif genetic is not None and day >= genetic:
            objectives, genetic = ["GENETIC_RESULT_DELIVERY"], None
        elif 5479 <= day - birth < 6940 and rng.random() < 0.3:  # aged 15 to 19
            objectives = ["FOLLOW_UP", "CHILD_ADULT_TRANSITION"]
        else:
            objectives = [objective]
        if context == "TELECONSULTATION" and day < _TELECONSULTATION_FROM:
            context = "CONSULTATION"
        if objective == "GENETIC_COUNSELLING" and objectives == [objective] and rng.random() < 0.5:
            profession = "GENETIC_COUNSELLOR"
        activity = {"activity_id": f"A{k + 1}", "date": date.fromordinal(day).isoformat(), "centre_id": centre,
                    "performer_profession": profession, "context": context, "objectives": objectives}
        if profession == "PHYSICIAN":
            activity["performer_rpps"] = physicians[int(rng.random() * n_phys)]
        result.append(activity)
    return result


def last_contact(activities_: list[dict], stay: Stay) -> date:
    return date.fromisoformat(activities_[-1]["date"]) if activities_ else stay.inclusion


def record_dates(rng: random.Random, stay: Stay, last: date) -> dict:
    updated = min(plus(last, rng.expovariate(1 / 30)), REFERENCE_DAY)
    return {"created": text(stay.inclusion), "last_updated": text(updated)}
