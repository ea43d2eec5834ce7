"""The pure part of sealing and erasure: opening sealed payloads (the adapter's Opener, with a key
store filled by hand), PatientErased as a step of its own, and the replay's fold of an erasure."""
from datetime import timedelta

import pytest

from rarelog_kit.serde import UndecodableMessage
from rarelog_registry_store import domain
from rarelog_registry_store.erasure import AUDIT_COLUMNS, erasure
from rarelog_registry_store.projection import Projection
from rarelog_registry_store.sealed import Opener

CONTENT = ("birth_year_month", "sex", "vital_status", "diagnoses", "is_foetus", "birth_area",
           "residence_departement", "clinical")


def decoded(opener, event):
    """As the sink hands it on: through Avro (defaults filled in), then opened."""
    name, value = event
    return opener.open(name, opener.catalog.decode(opener.catalog.encode(name, value)).value)


def test_a_sealed_record_opens_into_the_plaintext_event(events, hand_keys):
    clinical = {"activities": [{"date": {"year": 2020, "month": 3, "day": None}, "centre_id": "S002",
                                "context": "CONSULTATION"}]}
    plain = events.linked("r1", "P1", 1, codes=("ORPHA:558", "ORPHA:166"), death="2024-03", clinical=clinical)
    opener = Opener(hand_keys.catalog, hand_keys)
    sealed = events.sealed(plain, hand_keys)
    assert sealed[1]["diagnoses"] == [] and sealed[1]["sex"] == "UNKNOWN" and sealed[1]["content"]
    expected = decoded(opener, plain)
    opened = decoded(opener, sealed)
    assert opened == expected and opened["content"] is None
    assert domain.record_rows(*sealed[:1], opened) == domain.record_rows(*plain[:1], expected)
    assert opener.skipped_total == 0


def test_a_sealed_death_opens_and_a_legacy_event_passes_as_it_is(events, hand_keys):
    opener = Opener(hand_keys.catalog, hand_keys)
    death = events.verified_death("d1", "P1", "r1", "2024-02-11")
    opened = decoded(opener, events.sealed(death, hand_keys))
    assert opened["death_date"] == {"year": 2024, "month": 2, "day": 11} and opened["death_departement"] == "75"
    assert opened["sealed"] is None and domain.unappliable("VitalStatusVerified", opened) is None
    legacy = decoded(opener, events.linked("r2", "P1", 2))
    assert legacy["diagnoses"][0]["orphacode"] == "ORPHA:558" and legacy["content"] is None


def test_a_payload_whose_key_is_gone_is_skipped_and_counted(events, hand_keys):
    opener = Opener(hand_keys.catalog, hand_keys)
    record = events.sealed(events.linked("r1", "P1", 1), hand_keys)
    death = events.sealed(events.verified_death("d1", "P1", "r1", "2024"), hand_keys)
    del hand_keys.keys["r1"]  # erased
    assert decoded(opener, record) is None and decoded(opener, death) is None
    hand_keys.make("r1")  # erased, then submitted again: a new key opens nothing older
    assert decoded(opener, record) is None
    samples = {(s.labels["event"], s.labels["reason"]): s.value
               for s in opener.skipped.collect()[0].samples if s.name.endswith("_total")}
    assert samples == {("RecordLinked", "key-erased"): 1, ("VitalStatusVerified", "key-erased"): 1,
                       ("RecordLinked", "key-replaced"): 1}
    assert opener.skipped_total == 3
    # Without a key store nothing sealed opens; a death left sealed is unappliable, not a crash.
    assert Opener(hand_keys.catalog, None).open(*record) is None
    assert "no date" in domain.unappliable("VitalStatusVerified", {**death[1], "death_date": None})


def test_a_payload_that_opens_but_does_not_decode_is_undecodable(events, hand_keys):
    from rarelog_kit.sealing import seal
    name, value = events.sealed(events.linked("r1", "P1", 1), hand_keys)
    value["content"] = seal(hand_keys.keys["r1"], b"not avro", record_key="r1", purpose="content", event_id="x")
    with pytest.raises(UndecodableMessage):
        Opener(hand_keys.catalog, hand_keys).open(name, value)


def test_an_erasure_is_a_step_of_its_own_and_its_audit_names_nobody(events):
    steps = domain.plan([events.linked("r1", "P1", 1), events.verified_death("d1", "P1", "r1", "2024"),
                         events.erased("P1", ["r1", "r1", "r2"]), events.linked("r3", "P2", 3)])
    assert [type(s).__name__ for s in steps] == ["RowChanges", "DeathsVerified", "Erasure", "RowChanges"]
    step = steps[2]
    assert step.patient_id == "P1" and step.record_keys == ["r1", "r2"] and step.patients == {"P1"}
    audit = dict(zip(AUDIT_COLUMNS, step.audit))
    assert audit["reason"] == "OPPOSE" and audit["records"] == 2 and len(audit["tag"]) == 8
    assert not {"P1", "r1", "r2", "erased-P1"} & {str(v) for v in step.audit}
    again = erasure(events.erased("P1", ["r2", "r1"])[1])
    assert again.audit == step.audit  # the same event: the same line


def test_deaths_are_written_before_the_withdrawal_or_erasure_that_deletes_them(events):
    w = domain.plan([events.verified_death("d1", "P1", "r1", "2024"), events.linked("r2", "P1", 2),
                     events.withdrawn("r1", "P1", 3), events.verified_death("d2", "P1", "r2", "2024")])
    assert [type(s).__name__ for s in w] == ["RowChanges", "DeathsVerified", "RowChanges", "DeathsVerified"]
    assert list(w[1].rows) == ["d1"] and list(w[3].rows) == ["d2"] and set(w[2].records) == {"r1"}
    # A record withdrawn then submitted again in one batch: the withdrawal is a run of its own,
    # so that it lands (deleting its deaths) before the new version replaces it.
    again = domain.plan([events.withdrawn("r1", "P1", 3), events.linked("r1", "P1", 4)])
    assert [list(s.records) for s in again] == [["r1"], ["r1"]]


def fold(events_):
    p = Projection()
    for name, e in events_:
        p.apply(name, e)
    return p


def test_the_fold_erases_the_patient_at_its_place_in_the_log(events):
    p = fold([
        events.linked("r1", "P1", 1), events.linked("r2", "P1", 2), events.linked("r3", "Q", 3),
        events.linked("r4", "P2", 4), events.linked("r5", "P3", 5, rule="provisional"),
        events.merged("P1", "Q", ["r3"]), events.possible_match("rv1", "P3", "P1", "r5", "r1", 5),
        events.possible_match("rv2", "P3", "P2", "r5", "r4", 5), events.split("P2", "P4", ["r4"]),
        events.verified_death("d1", "P1", "r2", "2024"), events.verified_death("d2", "P4", "r4", "2023"),
        events.withdrawn("r2", "P1", 6), events.erased("P1", ["r1", "r2"]),
        events.linked("r1", "P1", 7)])  # the same record submitted again after the erasure
    assert {row[0]: row[1] for row in p.record_rows()} == {"r1": "P1", "r4": "P4", "r5": "P3"}
    assert list(p.matches) == ["rv2"] and [j[1] for j in p.journal.values()] == ["split"]
    assert [r[0] for r in p.death_rows()] == ["d2"]
    assert p.forgotten == {"P1", "Q"}  # its id, and the id merged into it
    [audit] = p.audit_rows()
    assert audit[2:] == ("OPPOSE", 2)  # the records the event names (r3 went too: found under it)


def test_a_winning_withdrawal_drops_the_deaths_of_its_record_read_before_it(events):
    # (version 0: an older withdrawal, which loses and deletes nothing)
    p = fold([events.linked("r1", "P1", 1), events.verified_death("d1", "P1", "r1", "2024"),
              events.withdrawn("r1", "P1", 0), events.withdrawn("r1", "P1", 2),
              events.verified_death("d2", "P1", "r1", "2025")])
    assert [r[0] for r in p.death_rows()] == ["d2"]


def test_an_erasure_received_in_the_same_millisecond_is_another_line(events):
    a, b = events.erased("P1", ["r1"]), events.erased("P2", ["r2"])
    assert a[1]["received_at"] == b[1]["received_at"]
    p = fold([a, b, a])  # a applied again changes nothing
    assert len(p.audit) == 2 and {r[2:] for r in p.audit_rows()} == {("OPPOSE", 1)}
    [(erased_at, *_)] = fold([events.erased("P3", ["r3"], minute=61)]).audit_rows()
    assert erased_at - a[1]["received_at"] == timedelta(minutes=1)


def test_a_key_store_briefly_unreadable_is_waited_for_not_taken_for_an_erasure(events, hand_keys, monkeypatch):
    from rarelog_kit import keystore
    record = events.sealed(events.linked("r1", "P1", 1), hand_keys)
    key = hand_keys.keys.pop("r1")
    store = keystore.DataKeyStore(hand_keys.catalog, {}, "registry.keys.records")
    failures = []

    class Message:  # the key, committed before the record: found once the broker answers
        def offset(self):
            return 0

        def key(self):
            return b"r1"

        def value(self):
            return hand_keys.catalog.encode("RecordDataKey", {"data_key": key})

    def read_to_end(*_args, **_kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("reading registry.keys.records failed: _TRANSPORT")
        yield Message()

    monkeypatch.setattr(keystore, "read_to_end", read_to_end)
    monkeypatch.setattr(keystore.time, "sleep", lambda s: None)
    assert decoded(Opener(hand_keys.catalog, store), record)["diagnoses"] and failures == [1]
