"""Across the two services: a one-letter typo changes the pseudonym, yet the pseudonymizer's
encodings still make the record a candidate of the original for the reconciler's blocking, with
a surname similarity inside the reconciler's agreement levels."""
from rarelog_pseudonymizer import domain
from rarelog_pseudonymizer.keys import PseudonymKey
from rarelog_reconciler.linkage import DEFAULT_THRESHOLDS

KEY = PseudonymKey(b"typo-test-key-".ljust(32, b"x"))


def encoded(birth_name: str, local_id: str) -> dict:
    identity = {"birth_name": birth_name, "first_given_name": "Anaïs", "sex": "F",
                "birth_date": {"year": 2011, "month": 4, "day": 23}}
    canonical = {"event_id": "e", "received_at": 0, "operation": "UPSERT", "centre_id": "S001",
                 "local_record_id": local_id,
                 "record": {"identity": identity, "vital_status": {"deceased": False}, "diagnoses": []}}
    return domain.pseudonymise(KEY, canonical, "e")["linkage"][0]


def dice(a: bytes, b: bytes) -> float:
    x, y = int.from_bytes(a, "little"), int.from_bytes(b, "little")
    return 2 * (x & y).bit_count() / (x.bit_count() + y.bit_count())


def test_one_letter_typo():
    original, typo, stranger = encoded("Lefèvre", "r1"), encoded("Lefebvre", "r2"), encoded("Durand", "r3")
    assert original["pseudonym"] != typo["pseudonym"]
    assert set(original["blocking_keys"]) & set(typo["blocking_keys"]), "the typo must be a blocking candidate"
    agree = DEFAULT_THRESHOLDS["surname"][1]  # the reconciler's level above mere partial agreement
    assert dice(original["filters"]["surname"], typo["filters"]["surname"]) >= agree
    assert dice(original["filters"]["surname"], stranger["filters"]["surname"]) < DEFAULT_THRESHOLDS["surname"][0]
