"""Which dead letters an erasure takes from the intake, and how the pseudonymizer reacts to the
patient events it reads for that (the Kafka side: tests/integration/test_intake_purge.py)."""
from __future__ import annotations

import json

import pytest

from rarelog_kit.messages import Inbound, Unavailable
from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer.domain import record_key
from rarelog_pseudonymizer.entrypoint import PseudonymizerProcessor
from rarelog_pseudonymizer.intake_purge import Purged, lenient, owners, record_keys
from rarelog_pseudonymizer.keys import KeyRing, PseudonymKey

CATALOG = AvroCatalog()
READ = lenient(CATALOG.decode)
OLD, NEW = PseudonymKey(b"old-key-".ljust(32, b"o")), PseudonymKey(b"new-key-".ljust(32, b"n"))
EVENTS = "p.registry.patient.events"


def test_a_dead_letter_names_a_record_by_its_key_or_its_content():
    assert owners(b"C1:r1", b"\x07junk", READ) == {("C1", "r1")}
    content = json.dumps({"centre_id": "C2", "local_record_id": "r2", "record": {}}).encode()
    assert owners(b"S999:bad", content, READ) == {("S999", "bad"), ("C2", "r2")}
    avro = CATALOG.encode("Submission", {"operation": "OPPOSE", "centre_id": "C3", "local_record_id": "r3"})
    assert owners(None, avro, READ) == {("C3", "r3")}
    # Malformed, partial or mistyped content names nobody; a key without a colon neither.
    for value in (b"[1, 2]", b"{\"centre_id\": \"C4\"}", b"{\"centre_id\": 4, \"local_record_id\": \"r\"}",
                  b"\xc3\x01" + b"\x11" * 12, None):
        assert owners(b"no-colon", value, READ) == set()


def test_record_keys_under_every_key_of_the_ring():
    ring = KeyRing(NEW, (OLD,))
    assert record_keys(ring, {("C1", "r1")}) == {record_key(NEW, "C1", "r1"), record_key(OLD, "C1", "r1")}
    assert record_keys(ring, set()) == set()


class Purge:
    def __init__(self, fail: bool = False) -> None:
        self.calls, self.fail = [], fail

    def erase(self, erased: set[str]) -> Purged:
        if self.fail:
            raise Unavailable("broker away")
        self.calls.append(erased)
        return Purged(intake_offsets=3, dead_letters=1, kept=2)


def processor(purge: Purge) -> PseudonymizerProcessor:
    return PseudonymizerProcessor(CATALOG, KeyRing(NEW), None, "out", "keys", "dlq", EVENTS, purge)


def event(name: str, value: dict) -> Inbound:
    return Inbound(EVENTS, 0, 7, b"patient", CATALOG.encode(name, value), 1_780_000_000_000)


ERASED = {"event_id": "e1", "patient_id": "P1", "record_keys": ["k1", "k2"], "reason": "OPPOSE",
          "received_at": 1_780_000_000_000}


def test_an_erasure_is_carried_into_the_intake_and_nothing_is_published():
    purge = Purge()
    assert processor(purge).process(event("PatientErased", ERASED)) == []
    assert purge.calls == [{"k1", "k2"}]


def test_other_patient_events_and_unreadable_ones_are_not_the_pseudonymizers():
    purge = Purge()
    p = processor(purge)
    assert p.process(Inbound(EVENTS, 0, 8, b"patient", b"\x07not avro", 0)) == []
    assert purge.calls == []


def test_a_purge_that_cannot_be_done_now_retries_the_batch_rather_than_skipping_the_erasure():
    with pytest.raises(Unavailable):
        processor(Purge(fail=True)).process(event("PatientErased", ERASED))


def test_a_purge_whose_clients_wedge_is_given_up_as_unavailable(monkeypatch):
    """librdkafka can wait forever on a coordinator it cached before a broker restart: the purge
    gives up after WEDGED_S, and the batch is retried with new clients."""
    import time

    from rarelog_pseudonymizer import intake_purge

    monkeypatch.setattr(intake_purge, "WEDGED_S", 0.2)
    monkeypatch.setattr(intake_purge._Session, "erase", lambda self, erased: time.sleep(2))
    purge = intake_purge.IntakePurge({"bootstrap.servers": "127.0.0.1:9"}, KeyRing(NEW), READ, [], [], "t")
    with pytest.raises(Unavailable, match="has not returned"):
        purge.erase({"k1"})
