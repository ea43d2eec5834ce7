"""The clinical part of one centre's record: what that centre knows of the patient's course.
Diagnoses agree across centres, except where a centre lost sight of the patient before the
diagnosis, or (rarely) records a less certain status or a different disorder."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from . import care, codes
from .care import Stay
from .clinical import Course
from .codes import UNDIAGNOSED
from .dates import age_at, loose_precision, text, uniform_day
from .sampling import Weighted

_RELATIONSHIPS = Weighted.of([("MTH", 30), ("FTH", 20), ("BRO", 15), ("SIS", 15), ("PCOUSN", 5), ("MCOUSN", 5),
                              ("GRMTH", 3), ("UNCLE", 4), ("AUNT", 3)])
_RELATIONSHIP_SEX = {"MTH": "F", "FTH": "M", "BRO": "M", "SIS": "F", "GRMTH": "F", "UNCLE": "M", "AUNT": "F"}
_QUALIFIERS = Weighted((0, 1, 2, 3, 4, 8, 9), (15, 25, 25, 18, 10, 4, 3))


@dataclass(slots=True)
class Context:
    """Patient facts a record needs besides the course."""
    child: bool                      # under 18 at the reference day
    sex: str
    twin_order: int | None = None
    foetus_rank: int | None = None   # a foetus's rank in its pregnancy (its own record has no pregnancy block)
    pregnancy: dict | None = None    # the mother's pregnancy block, on her own records


def clinical(rng: random.Random, c: Course, stay: Stay, local_id: str, physicians: list[str],
             ctx: Context) -> dict:
    on_entry = _on_entry(rng, c, stay)
    acts = care.activities(rng, c, stay, physicians, on_entry)
    last = care.last_contact(acts, stay)
    knows_death = c.death is not None and (stay.first or stay.end == c.death or rng.random() < 0.4)
    record: dict = {
        "vital_status": {"deceased": knows_death, "death_date": text(c.death) if knows_death else None,
                         "death_due_to_rare_disease": c.death_due if knows_death else None},
        "diagnoses": _diagnoses(rng, c, stay, local_id),
        "care_pathways": [care.care_pathway(rng, c, stay, local_id, physicians, ctx.child)],
        "activities": acts,
    }
    if rng.random() < 0.85:
        record["disease_history"] = _history(rng, c, on_entry)
    if rng.random() < 0.6:
        record["family"] = _family(rng, c)
    if ctx.twin_order:
        record["multiple_birth"] = {"multiple_birth": True, "order": ctx.twin_order}
    if not c.foetus and ctx.child and c.origin.year >= 2000 and rng.random() < 0.5:
        record["antenatal_neonatal"] = _neonatal(rng, c)
    if ctx.pregnancy:
        record["pregnancy"] = ctx.pregnancy
        _prenatal_activities(rng, acts, ctx.pregnancy)
    treatments = [_treatment(t, stay) for t in c.treatments if t[2] <= stay.end]
    if treatments:
        record["treatments"] = treatments
    if rng.random() < 0.7:
        record["research"] = _research(rng, c)
    if rng.random() < 0.12:
        record["functioning"] = _functioning(rng, stay, last)
    record["record_dates"] = care.record_dates(rng, stay, last)
    return record


def _on_entry(rng: random.Random, c: Course, stay: Stay) -> str:
    if c.code == UNDIAGNOSED or c.diagnosis is None or c.diagnosis > stay.inclusion:
        return "ABSENT" if rng.random() < 0.7 else "INADEQUATE"
    return "ADEQUATE" if rng.random() < 0.95 else "INADEQUATE"


def _diagnoses(rng: random.Random, c: Course, stay: Stay, local_id: str) -> list[dict]:
    code, status, when = c.code, c.status, c.diagnosis
    if code != UNDIAGNOSED and when is not None and when > stay.end:
        code, status, when = UNDIAGNOSED, "ONGOING", None  # the centre lost sight before the diagnosis
    elif not stay.first and code != UNDIAGNOSED:
        u = rng.random()
        if u < 0.03:
            code, status = codes.catalogue().pick(rng).code, "PROBABLE"  # another opinion
        elif u < 0.08 and status == "CONFIRMED":
            status = "PROBABLE"
    main: dict = {"diagnosis_id": f"{local_id}-D1", "orphacode": code, "status": status,
                  "diagnosis_date": _diagnosis_date(rng, c, when)}
    if code != UNDIAGNOSED and when is not None:
        main["diagnosing_centre_id"] = stay.centre if (stay.first and c.centre_made_diagnosis) else None
    if c.hpo:
        main["descriptions"] = [{"system": "HPO", "code": term} for term in c.hpo]
    d = c.disorder
    if d is not None and code == c.code:
        main["heredity"] = d.heredity
        main["sporadic_familial"] = "FAMILIAL" if c.familial else "SPORADIC"
        if d.screened:
            main["newborn_screening"] = not c.foetus and (c.diagnosis - c.origin).days < 60
        if c.genetic is not None and c.genetic <= stay.end:
            main["genetic"] = {"investigations": ["CLINICAL", "MOLECULAR_GENETICS"], "techniques": c.techniques,
                               "genes": c.genes, "variants": c.variants}
    result = [main]
    if c.second and rng.random() < 0.8:
        result.append({"diagnosis_id": f"{local_id}-D2", **c.second})
    return result


def _diagnosis_date(rng: random.Random, c: Course, when: date | None) -> str | None:
    # A prenatal diagnosis keeps its day: it may precede the birth by up to a pregnancy.
    return None if when is None else text(when, 3 if c.prenatal else loose_precision(rng))


def _prenatal_activities(rng: random.Random, acts: list[dict], pregnancy: dict) -> None:
    """On a pregnant patient's record, some activities during the pregnancy concern a foetus
    (named by its rank in the record's own pregnancy block)."""
    start = pregnancy["start_date"]
    for activity in acts:
        if activity["date"] >= start and rng.random() < 0.5:
            activity["foetus_rank"] = 1 + int(rng.random() * pregnancy["foetus_count"])
            activity["objectives"] = ["PRENATAL_DIAGNOSIS"]


def _history(rng: random.Random, c: Course, on_entry: str) -> dict:
    birth = c.origin
    diagnosed = c.code != UNDIAGNOSED and c.diagnosis is not None
    if c.foetus:
        clinical_age = {"period": "ANTENATAL"} if diagnosed else None
        genetic_age = {"period": "ANTENATAL"} if c.genetic else None
    else:
        clinical_age = age_at(birth, c.diagnosis) if diagnosed else None
        genetic_age = age_at(birth, c.genetic) if c.genetic else None
    history = {"first_signs": c.first_signs, "clinical_diagnosis": clinical_age, "genetic_diagnosis": genetic_age,
               "diagnosis_on_entry": on_entry}
    if diagnosed:
        history["prenatal_diagnosis"] = c.foetus or c.prenatal
    return history


def _family(rng: random.Random, c: Course) -> dict:
    family: dict = {"consanguinity": c.consanguinity, "first_case_in_family": not c.familial}
    if c.familial and rng.random() < 0.5:
        relation = _RELATIONSHIPS.pick(rng)
        family["propositus"] = {"relationship": relation, "sex": _RELATIONSHIP_SEX.get(relation, "UNKNOWN"),
                                "orphacode": c.code}
    return family


def _neonatal(rng: random.Random, c: Course) -> dict:
    preterm = rng.random() < (0.2 if c.disorder and c.disorder.onset == "congenital" else 0.1)
    weeks = 24 + int(rng.random() * 13) if preterm else None
    if weeks:
        early = weeks - 22
        weight, length, head = 500 + early * 170 + rng.gauss(0, 150), 28 + early * 1.5, 20 + early * 0.9
    else:
        weight, length, head = rng.gauss(3300, 450), rng.gauss(50, 2), rng.gauss(34.5, 1.3)
    u = rng.random()
    return {"assisted_reproduction": rng.random() < 0.05, "gestational_age_weeks": weeks,
            "antenatal_malformation": "NONE" if u < 0.78 else "SINGLE" if u < 0.94 else "MULTIPLE",
            "birth_weight_g": int(min(5200, max(450, weight))),
            "birth_length_cm": round(min(58.0, max(27.0, length)), 1),
            "head_circumference_cm": round(min(39.0, max(19.0, head)), 1)}


def _treatment(t: tuple[str | None, str, date, date | None], stay: Stay) -> dict:
    ema, atc, start, end = t
    return {"orphan_medicine_code": ema, "atc": atc, "start": text(start),
            "end": text(end) if end is not None and end <= stay.end else None}


def _research(rng: random.Random, c: Course) -> dict:
    u = rng.random()
    research = {"agrees_to_be_contacted": True if u < 0.6 else False if u < 0.7 else None,
                "participates_in_protocol": rng.random() < 0.08,
                "sample_for_research": rng.random() < 0.15,
                "sample_for_diagnosis": c.genetic is not None or rng.random() < 0.2}
    if research["sample_for_research"] and rng.random() < 0.5:
        research["biobanks"] = [codes.BIOBANKS[int(rng.random() * len(codes.BIOBANKS))]]
    return research


def _functioning(rng: random.Random, stay: Stay, last: date) -> list[dict]:
    when = text(uniform_day(rng, stay.inclusion, last))
    chosen = rng.sample(codes.ICF_CODES, 1 + int(rng.random() * 4))
    return [{"code": code, "qualifier": _QUALIFIERS.pick(rng), "date": when} for code in chosen]
