"""A death of an official deceased-persons file, pseudonymised the way records are. Pure: no I/O.

The death's identity goes through the same normalisation, key ring and encodings as a centre's
record (domain.py), so that the reconciler can compare the two; what leaves is what a
PseudonymisedRecord carries of identity (pseudonym, encodings, birth year-month, sex) plus the
death's date and département. Names, the full birth date, the birth place, the certificate
number and the line's place in its file stay behind: the file is public, and any of them
would find the line, hence the name, again.
"""
from __future__ import annotations

import hashlib
import hmac

from .domain import area_of_cog, generalised_birth, linkage, pseudonym
from .keys import KeyRing
from .normalise import normalise_identity


def death_id(ring: KeyRing, identity: dict, death: dict) -> str:
    """Names a death after everything the file states of it, keyed (meaningless without the key)
    and stable: the same line in next month's file, or in a re-import, gets the same id. Made
    with the ring's oldest key, like record keys, so a rotation keeps it."""
    born = identity.get("birth_date") or {}
    stated = "|".join(str(v or "") for v in (
        identity.get("birth_name"), " ".join(identity.get("given_names") or ()), identity.get("sex"),
        born.get("year"), born.get("month"), born.get("day"), identity.get("birth_place_cog"),
        death["date"].get("year"), death["date"].get("month"), death["date"].get("day"), death.get("place_cog"),
        (death.get("certificate") or "").lstrip("0")))
    digest = hmac.new(ring.all[-1].secret, f"death|{stated}".encode(), hashlib.sha256).hexdigest()
    return "D" + digest[:31]


def pseudonymise_death(ring: KeyRing, identity: dict, death: dict, *, event_id: str, import_id: str,
                       received_at, source: str = "INSEE") -> dict:
    """identity: an Identity-like value (birth_name, given_names, sex, birth_date as a PartialDate
    value, birth_place_cog); death: {date: PartialDate value, place_cog, certificate}.
    Returns a PseudonymisedDeath value."""
    ident = normalise_identity(identity)
    did = death_id(ring, identity, death)
    born = identity.get("birth_date") or {}
    return {
        "event_id": event_id, "death_id": did, "import_id": import_id, "source": source, "received_at": received_at,
        "key_id": ring.current.key_id, "pseudonym": pseudonym(ring.current, ident),
        # the BLIP noise is seeded by the death's id, as a record's is by its key
        "linkage": linkage(ring, ident, did),
        "sex": identity.get("sex") or "UNKNOWN",
        "birth_year_month": generalised_birth(born) if born.get("year") else None,
        "birth_date_precision": "day" if born.get("day") else "month" if born.get("month") else
                                "year" if born.get("year") else "unknown",
        "death_date": death["date"],
        "death_departement": area_of_cog(death.get("place_cog")),
    }
