"""Replace identity by a keyed pseudonym and generalised values. Pure: no I/O.

What leaves here is listed field by field in docs/privacy.md; everything else of the
identity (given names beyond the first, used name, birth place, INS, local ids) is dropped.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from .keys import PseudonymKey

_NOT_LETTER = re.compile(r"[^A-Z]")


def fold(text: str) -> str:
    """Upper case, accents folded (É→E, Œ→OE), only the letters A-Z kept."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text)
    return _NOT_LETTER.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)).upper())


def birth_date_token(date: dict) -> str:
    """YYYYMMDD with 00 for an unknown month or day (the INSEE convention)."""
    return f"{date['year']:04d}{date.get('month') or 0:02d}{date.get('day') or 0:02d}"


def generalised_birth(date: dict) -> str:
    return f"{date['year']:04d}-{date['month']:02d}" if date.get("month") else f"{date['year']:04d}"


def pseudonym(key: PseudonymKey, identity: dict) -> str:
    """HMAC-SHA-256 over the normalised traits: birth name, first given name, birth date, sex."""
    traits = "|".join(("v1", fold(identity["birth_name"]), fold(identity["first_given_name"]),
                       birth_date_token(identity["birth_date"]), identity["sex"]))
    return hmac.new(key.secret, traits.encode(), hashlib.sha256).hexdigest()


def record_key(key: PseudonymKey, centre_id: str, local_record_id: str) -> str:
    """Names a record without its local id: stable per record, meaningless without the key."""
    digest = hmac.new(key.secret, f"record|{centre_id}|{local_record_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def pseudonymise(key: PseudonymKey, canonical: dict, event_id: str) -> dict:
    """A CanonicalRecord value in, a PseudonymisedRecord value out."""
    out = {
        "event_id": event_id,
        "received_at": canonical["received_at"],
        "operation": canonical["operation"],
        "record_key": record_key(key, canonical["centre_id"], canonical["local_record_id"]),
        "centre_id": canonical["centre_id"],
        "key_id": key.key_id,
        "pseudonym": None,
        "birth_year_month": None,
        "sex": "UNKNOWN",
        "vital_status": None,
        "diagnoses": [],
    }
    record = canonical.get("record")
    if record is not None:
        identity = record["identity"]
        out.update(pseudonym=pseudonym(key, identity), birth_year_month=generalised_birth(identity["birth_date"]),
                   sex=identity["sex"], vital_status=record["vital_status"], diagnoses=record["diagnoses"])
    return out
