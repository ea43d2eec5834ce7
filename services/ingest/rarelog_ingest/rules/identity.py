"""Identity of a person or a foetus, residence and family: the identifying groups."""
from __future__ import annotations

from rarelog_kit.messages import Reason

from . import codes
from .base import Context, fault, in_range
from .text import name_problems

PATH = "record.identity"
PERSON_TRAITS = ("birth_name", "first_given_name", "birth_date")
MAX_RANK = 10  # foetuses of one pregnancy, children of one birth


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def identity_problems(identity: dict) -> list[Reason]:
    foetus = identity.get("foetus")
    if foetus is not None and any(identity.get(t) is not None for t in PERSON_TRAITS):
        problems = [fault("identity-ambiguous", PATH, "has both a person's traits (birth name, first given name, "
                          "birth date) and a foetus block; a record is one or the other")]
    elif foetus is not None:
        problems = foetus_problems(foetus, f"{PATH}.foetus")
    else:
        problems = person_problems(identity)
    for name in ("used_name", "used_given_name"):
        problems += name_problems(identity.get(name), f"{PATH}.{name}")
    for i, given in enumerate(identity.get("given_names") or []):
        problems += name_problems(given, f"{PATH}.given_names[{i}]")
    problems += codes.cog(identity.get("birth_place_cog"), f"{PATH}.birth_place_cog")
    problems += codes.country(identity.get("birth_country"), f"{PATH}.birth_country")
    problems += codes.ins(identity.get("ins"), f"{PATH}.ins")
    return problems


def person_problems(identity: dict) -> list[Reason]:
    problems: list[Reason] = []
    for name in ("birth_name", "first_given_name"):
        if _blank(identity.get(name)):
            problems.append(fault("identity-name-required", f"{PATH}.{name}", "is required for a person"))
        else:
            problems += name_problems(identity[name], f"{PATH}.{name}")
    if identity.get("birth_date") is None:
        problems.append(fault("birth-date-required", f"{PATH}.birth_date", "is required for a person"))
    if identity.get("sex", "UNKNOWN") == "UNKNOWN":
        problems.append(fault("sex-required", f"{PATH}.sex", "must be M, F or UNDETERMINED for a person"))
    return problems


def foetus_problems(foetus: dict, path: str) -> list[Reason]:
    problems: list[Reason] = []
    for name in ("mother_birth_name", "mother_first_given_name"):
        if _blank(foetus[name]):
            problems.append(fault("foetus-identity-incomplete", f"{path}.{name}", "is required for a foetus"))
        else:
            problems += name_problems(foetus[name], f"{path}.{name}")
    problems += name_problems(foetus.get("mother_used_name"), f"{path}.mother_used_name")
    if not 1 <= foetus["rank"] <= MAX_RANK:
        problems.append(fault("out-of-range", f"{path}.rank", f"must be between 1 and {MAX_RANK}"))
    return problems


def residence_problems(residence: dict | None) -> list[Reason]:
    if residence is None:
        return []
    path = "record.residence"
    country = residence.get("country", "FR")
    problems = codes.country(country, f"{path}.country")
    problems += codes.postal_code(residence.get("postal_code"), country, f"{path}.postal_code")
    problems += codes.cog(residence.get("commune_cog"), f"{path}.commune_cog")
    return problems


def family_problems(record: dict) -> list[Reason]:
    problems: list[Reason] = []
    births = record.get("multiple_birth")
    if births is not None and births.get("order") is not None:
        path = "record.multiple_birth.order"
        if not in_range(births["order"], 1, MAX_RANK):
            problems.append(fault("out-of-range", path, f"must be between 1 and {MAX_RANK}"))
        elif births["order"] > 1 and not births.get("multiple_birth"):
            problems.append(fault("multiple-birth-inconsistent", path, "is above 1 but multiple_birth is false"))
    propositus = (record.get("family") or {}).get("propositus")
    if propositus is not None:
        path = "record.family.propositus"
        problems += codes.one_of(propositus.get("relationship"), codes.ROLE_CODES, f"{path}.relationship",
                                 "an HL7 RoleCode for a family member, e.g. MTH, FTH, SIB, PCOUSN")
        problems += codes.orphacode(propositus.get("orphacode"), f"{path}.orphacode")
        problems += codes.ins(propositus.get("ins"), f"{path}.ins")
    return problems


def vital_status_problems(vital: dict, ctx: Context) -> list[Reason]:
    path = "record.vital_status"
    death = vital.get("death_date")
    if not vital.get("deceased"):
        if death is not None:
            return [fault("death-date-without-death", f"{path}.death_date", "is set but deceased is false")]
        if vital.get("death_due_to_rare_disease") is not None:
            return [fault("death-cause-without-death", f"{path}.death_due_to_rare_disease",
                          "is set but deceased is false")]
        return []
    if death is None:
        return [fault("death-date-required", f"{path}.death_date", "is required when deceased is true")]
    when = ctx.valid(death, f"{path}.death_date")
    if when is not None and ctx.before_origin(when):
        return [fault("death-before-birth", f"{path}.death_date", f"is before {ctx.origin_words()}")]
    return []
