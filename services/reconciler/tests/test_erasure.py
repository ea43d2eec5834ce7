"""Sealed records through the reconciler, and erasure: opposition, last withdrawal, the pseudonym
index after a rebuild, verified deaths (docs/decisions/0011)."""
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.sealing import new_data_key, seal
from rarelog_kit.serde import AvroCatalog
from rarelog_reconciler import changelog, deaths, domain
from rarelog_reconciler.sealed import Sealing
from rarelog_reconciler.state import LinkageState

from .test_deaths import death
from .test_domain import ident, record

CATALOG = AvroCatalog()


def sealing() -> Sealing:
    return Sealing(CATALOG, DataKeyStore(CATALOG, {}, None))


def sealed(s: Sealing, key: str, identity=None, operation="UPSERT", centre="S001") -> dict:
    """A record as the pseudonymizer now publishes it: linkage and content sealed under its key."""
    plain = record(key, identity, operation, centre)
    if identity is None:
        return plain
    data_key = s.keys.keys.get(key) or new_data_key()
    s.keys.message(key, data_key)
    event = f"pseudonymised/{key}/{len(s.keys.keys)}"
    linkage = CATALOG.encode("SealedLinkage", {"pseudonym": plain["pseudonym"], "linkage": plain["linkage"]})
    content = CATALOG.encode("SealedContent", {"birth_year_month": plain["birth_year_month"], "sex": plain["sex"]})
    return {**plain, "event_id": event, "pseudonym": None, "linkage": [], "birth_year_month": None, "sex": "UNKNOWN",
            "sealed_linkage": seal(data_key, linkage, record_key=key, purpose="linkage", event_id=event),
            "content": seal(data_key, content, record_key=key, purpose="content", event_id=event)}


def decide(state, s, rec, version, log):
    outcome = domain.reconcile(state, s.opened_record(rec), version, f"e{version}")
    log += [changelog.to_message(CATALOG, c) for c in outcome.changes]
    for k in outcome.shredded:
        s.keys.message(k, None)
    return outcome


def rebuilt(s: Sealing, log) -> LinkageState:
    state = LinkageState()
    state.rebuild([c for c in (changelog.from_message(CATALOG, k, v, s.open_linkage) for k, v in log) if c])
    return state


def events(outcome, name):
    return [v for n, v in outcome.events if n == name]


def test_a_sealed_record_links_and_its_changelog_holds_no_pseudonym_or_encoding_in_clear():
    s, state, log = sealing(), LinkageState(), []
    first = events(decide(state, s, sealed(s, "r1", ident()), 1, log), "RecordLinked")[0]
    rec = sealed(s, "r2", ident(), centre="S002")
    second = events(decide(state, s, rec, 2, log), "RecordLinked")[0]
    assert (second["patient_id"], second["link_rule"]) == (first["patient_id"], "exact-pseudonym")
    assert second["content"] == rec["content"]  # carried unchanged: the reconciler never opens it
    assert not [k for k, _ in log if k.startswith(b"pseudonym:")]
    pseudonym = s.opened_record(rec)["pseudonym"].encode()
    assert not any(pseudonym in (v or b"") for _, v in log)
    again = rebuilt(s, log)
    assert again.record_of_pseudonym == state.record_of_pseudonym
    assert {**again.summary(), "index_bytes": 0} == {**state.summary(), "index_bytes": 0}  # capacity apart


def test_an_opposition_erases_the_whole_patient_and_a_later_record_founds_a_new_one():
    s, state, log = sealing(), LinkageState(), []
    patient = events(decide(state, s, sealed(s, "r1", ident()), 1, log), "RecordLinked")[0]["patient_id"]
    decide(state, s, sealed(s, "r2", ident(), centre="S002"), 2, log)
    other = events(decide(state, s, sealed(s, "r3", ident("Paul", "Durand", "1988-11-05", "13055", "M")), 3, log),
                   "RecordLinked")[0]["patient_id"]
    outcome = decide(state, s, record("r2", operation="OPPOSE", centre="S002"), 4, log)
    [erased] = events(outcome, "PatientErased")
    assert (erased["patient_id"], erased["record_keys"], erased["reason"]) == (patient, ["r1", "r2"], "OPPOSE")
    assert sorted(outcome.shredded) == ["r1", "r2"] and not events(outcome, "RecordWithdrawn")
    assert state.records_of_patient(patient) == [] and state.records_of_patient(other) == ["r3"]
    assert set(s.keys.keys) == {"r3"}
    for st in (state, rebuilt(s, log)):  # after a restart too
        back = events(domain.reconcile(st, s.opened_record(sealed(s, "r9", ident(), centre="S009")), 5, "e5"),
                      "RecordLinked")[0]
        assert back["patient_id"] not in (patient, other) and back["link_rule"] == "new-patient"


def test_withdrawing_a_record_shreds_its_key_and_the_last_one_erases_the_patient():
    s, state, log = sealing(), LinkageState(), []
    patient = events(decide(state, s, sealed(s, "r1", ident()), 1, log), "RecordLinked")[0]["patient_id"]
    decide(state, s, sealed(s, "r2", ident(), centre="S002"), 2, log)
    first = decide(state, s, record("r2", operation="WITHDRAW", centre="S002"), 3, log)
    assert first.shredded == ["r2"] and events(first, "RecordWithdrawn") and not events(first, "PatientErased")
    # the pseudonym both records had now finds r1, live and after a rebuild
    assert rebuilt(s, log).record_of_pseudonym == state.record_of_pseudonym
    assert set(state.record_of_pseudonym.values()) == {"r1"}
    last = decide(state, s, record("r1", operation="WITHDRAW"), 4, log)
    [erased] = events(last, "PatientErased")
    assert (erased["patient_id"], erased["record_keys"], erased["reason"]) == (patient, ["r1"], "WITHDRAW")
    assert last.shredded == ["r1"] and not s.keys.keys and not state.record_of_pseudonym


def test_a_verified_death_is_sealed_under_its_record_key_and_goes_with_the_patient():
    s, state, log = sealing(), LinkageState(), []
    patient = events(decide(state, s, sealed(s, "r1", ident()), 1, log), "RecordLinked")[0]["patient_id"]
    outcome = deaths.verify_death(state, death(), sealer=s)
    [event] = events(outcome, "VitalStatusVerified")
    assert event["death_date"] is None and event["sealed"] and event["record_key"] == "r1"
    assert deaths.verify_death(state, death(certificate="99"), sealer=s).reports[0][1]["outcome"] == "already-verified"
    log += [changelog.to_message(CATALOG, c) for c in outcome.changes]
    assert b"2026" not in b"".join(v or b"" for _, v in log)  # the date only as a keyed digest
    erased = decide(state, s, record("r1", operation="OPPOSE"), 2, log)
    assert events(erased, "PatientErased") and state.deaths == {} and state.deaths_of_patient(patient) == []
