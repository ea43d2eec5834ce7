"""Decisions of the reconciler's domain on records encoded by the real pseudonymizer code."""
from rarelog_pseudonymizer.domain import linkage, pseudonym
from rarelog_pseudonymizer.keys import KeyRing, PseudonymKey
from rarelog_pseudonymizer.normalise import normalise_identity
from rarelog_reconciler import domain, verdicts
from rarelog_reconciler.state import Change, LinkageState

KEY = PseudonymKey(b"k" * 32)
RING = KeyRing(KEY)


def ident(given="Anaïs", surname="Lefèvre", born="2011-04-23", place="75115", sex="F", used=None):
    return {"birth_name": surname, "used_name": used, "first_given_name": given, "given_names": [given],
            "sex": sex, "birth_date": born, "birth_place_cog": place}


def record(key, identity=None, operation="UPSERT", centre="S001", ring=RING):
    out = {"record_key": key, "operation": operation, "centre_id": centre, "received_at": 0,
           "birth_year_month": "2011-04", "sex": "F", "vital_status": None, "diagnoses": [], "is_foetus": False,
           "birth_area": "75", "residence_departement": "92", "clinical": None, "pseudonym": None, "linkage": []}
    if identity is not None:
        normalised = normalise_identity(identity)
        out.update(pseudonym=pseudonym(ring.current, normalised), linkage=linkage(ring, normalised, key))
    return out


def run(state, rec, version):
    return domain.reconcile(state, rec, version, f"e{version}")


def linked(outcome):
    return next(v for name, v in outcome.events if name == "RecordLinked")


def test_the_same_identity_links_exactly_and_another_founds_a_patient():
    state = LinkageState()
    first = linked(run(state, record("r1", ident()), 1))
    second = linked(run(state, record("r2", ident(), centre="S002"), 2))
    other = linked(run(state, record("r3", ident("Paul", "Durand", "1988-11-05", "13055", "M")), 3))
    assert first["patient_id"] == second["patient_id"] != other["patient_id"]
    assert (first["link_rule"], second["link_rule"], other["link_rule"]) == ("new-patient", "exact-pseudonym",
                                                                            "new-patient")


def test_a_typo_a_name_swap_and_a_used_name_link_by_probability():
    state = LinkageState()
    patient = linked(run(state, record("r1", ident()), 1))["patient_id"]
    for i, variant in enumerate([ident(surname="Lefevbre"), ident(given="Lefèvre", surname="Anaïs"),
                                 ident(surname="Martin", used="Lefèvre")], start=2):
        event = linked(run(state, record(f"r{i}", variant, centre=f"S00{i}"), i))
        assert (event["patient_id"], event["link_rule"]) == (patient, "probabilistic"), variant
        assert event["match_probability"] > 0.5


def test_a_possible_twin_founds_a_provisional_patient_and_raises_a_possible_match():
    state = LinkageState()
    anna = linked(run(state, record("r1", ident("Anna")), 1))["patient_id"]
    outcome = run(state, record("r2", ident("Louise")), 2)  # same family name, birth date and place
    event = linked(outcome)
    possible = dict(outcome.events)["PossibleMatch"]
    assert event["link_rule"] == "provisional" and event["patient_id"] != anna
    assert (possible["patient_id"], possible["candidate_patient_id"], possible["candidate_record_key"]) == \
        (event["patient_id"], anna, "r1")
    levels = {a["field"]: (a["level"], a["levels"]) for a in possible["agreement"]}
    assert levels["date"] == (5, 5) and levels["surname"] == (5, 5) and levels["given"][0] < 5
    assert possible["review_id"] in state.reviews


def verdict(kind, review_id=None, keys=(), vid="v1"):
    return {"verdict_id": vid, "verdict": kind, "review_id": review_id, "record_keys": list(keys),
            "reviewer": "dr.review", "decided_at": 0}


def twins():
    state = LinkageState()
    run(state, record("r1", ident("Anna")), 1)
    review_id = dict(run(state, record("r2", ident("Louise")), 2).events)["PossibleMatch"]["review_id"]
    return state, review_id


def test_accepting_merges_the_provisional_patient_into_the_candidate():
    state, review_id = twins()
    provisional, candidate = state.patient_of_record("r2"), state.patient_of_record("r1")
    outcome = verdicts.apply_verdict(state, verdict("ACCEPT", review_id), "e3")
    events = dict(outcome.events)
    assert events["PossibleMatchResolved"]["verdict"] == "ACCEPT"
    assert (events["PatientsMerged"]["patient_id"], events["PatientsMerged"]["merged_patient_id"],
            events["PatientsMerged"]["record_keys"]) == (candidate, provisional, ["r2"])
    assert state.patient_of_record("r2") == candidate and not state.reviews
    again = verdicts.apply_verdict(state, verdict("ACCEPT", review_id, vid="v2"), "e4")
    assert again.rejection[0] == "review-unknown" and not again.events


def test_rejecting_keeps_them_apart_and_a_split_undoes_a_wrong_link():
    state, review_id = twins()
    outcome = verdicts.apply_verdict(state, verdict("REJECT", review_id), "e3")
    assert [name for name, _ in outcome.events] == ["PossibleMatchResolved"]
    assert state.patient_of_record("r1") != state.patient_of_record("r2")
    run(state, record("r3", ident("Anna"), centre="S003"), 4)  # Anna again: joins r1
    patient = state.patient_of_record("r1")
    assert state.patient_of_record("r3") == patient
    split = verdicts.apply_verdict(state, verdict("SPLIT", keys=["r3"], vid="v9"), "e5")
    event = dict(split.events)["PatientSplit"]
    assert event["patient_id"] == patient and state.patient_of_record("r3") == event["new_patient_id"] != patient
    assert verdicts.apply_verdict(state, verdict("SPLIT", keys=["r1"], vid="v10"), "e6").rejection[0] == \
        "split-takes-all"
    assert verdicts.apply_verdict(state, verdict("SPLIT", keys=["r1", "r2"], vid="v11"), "e7").rejection[0] == \
        "split-records-span-patients"


def test_withdrawal_names_the_patient_and_unknown_withdrawal_is_a_no_op():
    state = LinkageState()
    patient = linked(run(state, record("r1", ident()), 1))["patient_id"]
    withdrawn = run(state, record("r1", None, "WITHDRAW"), 2)
    assert withdrawn.events[0][0] == "RecordWithdrawn" and withdrawn.events[0][1]["patient_id"] == patient
    assert state.patient_of_record("r1") is None
    assert run(state, record("r9", None, "WITHDRAW"), 3).events == []
    # the same identity again: the withdrawn record is no candidate, a new patient is founded
    assert linked(run(state, record("r5", ident()), 4))["link_rule"] == "new-patient"


def test_a_record_alone_keeps_its_patient_when_its_identity_is_corrected_beyond_recognition():
    state = LinkageState()
    first = linked(run(state, record("r1", ident()), 1))["patient_id"]
    corrected = linked(run(state, record("r1", ident("Paul", "Durand", "1988-11-05", "13055", "M")), 2))
    assert corrected["patient_id"] == first


def test_the_state_rebuilt_from_its_changes_decides_the_same():
    state, log = LinkageState(), []
    for i, identity in enumerate([ident(), ident("Anna"), ident(surname="Lefevbre"), ident("Paul", "Durand")]):
        log += run(state, record(f"r{i}", identity), i).changes
    final: dict[str, Change] = {}
    for change in log:  # what compaction keeps: the last entry per key, in log order
        final.pop(change.changelog_key, None)
        final[change.changelog_key] = change
    rebuilt = LinkageState()
    rebuilt.rebuild(list(final.values()))
    same = ("records", "patients", "pseudonyms", "pending_reviews", "index_rows")
    assert rebuilt.model_logged and [rebuilt.summary()[k] for k in same] == [state.summary()[k] for k in same]
    for i in range(4):
        assert rebuilt.patient_of_record(f"r{i}") == state.patient_of_record(f"r{i}")
    a, b = run(state, record("r9", ident(given="Anais")), 9), run(rebuilt, record("r9", ident(given="Anais")), 9)
    assert a.events == b.events


def test_rotation_links_a_new_key_record_to_the_patient_made_under_the_old_key():
    state = LinkageState()
    old = linked(run(state, record("r1", ident()), 1))
    rotated = KeyRing(PseudonymKey(b"n" * 32), (KEY,))
    event = linked(run(state, record("r2", ident(), centre="S002", ring=rotated), 2))
    assert event["patient_id"] == old["patient_id"] and event["link_rule"] == "exact-pseudonym"


def stream_of_fourteen(state):
    names = ["Anna", "Paul", "Marc", "Jeanne", "Louis", "Chloé", "Hugo", "Léa", "Jules", "Emma", "Théo", "Inès"]
    models = []
    for i, given in enumerate(names + ["Nora", "Sami"]):
        outcome = run(state, record(f"r{i}", ident(given, f"Nom{i % 5}", f"19{60 + i}-0{1 + i % 9}-1{i % 9}")), i)
        models.append([c.value["parameters"] for c in outcome.changes if c.kind == "model"])
    return models


def test_the_model_is_refitted_by_em_once_at_each_refit_point():
    state = LinkageState(refit_at=(12,), min_refit_matches=0)
    models = stream_of_fourteen(state)
    assert len(models[0]) == 1                           # the starting model, logged with the first decision
    assert len(models[12]) == 1 and models[12][0]["records"] == 12 and models[12][0]["info"]["refit_point"] == 12
    assert not any(models[1:12]) and not models[13]     # once only
    assert state.index.model.records == 12


def test_a_refit_with_too_few_matches_to_learn_from_keeps_the_model():
    state = LinkageState(refit_at=(12,))
    before = state.index.model.to_dict()
    models = stream_of_fourteen(state)
    [kept] = models[12]
    assert kept["m"] == before["m"] and kept["info"]["refit_point"] == 12 and "refit_declined_matches" in kept["info"]
    assert not models[13]  # the point is taken all the same


def test_records_are_numbered_in_reading_order_and_the_count_survives_a_rebuild():
    state, log = LinkageState(), []
    first = dict(record("r0", ident()), event_id="ev-0")
    withdrawal = dict(record("r0", operation="WITHDRAW"), event_id="ev-1")
    for rec in (first, withdrawal):
        log += domain.reconcile_next(state, rec).changes
    assert state.records_read == 2
    final = {c.changelog_key: c for c in log}  # compaction: the withdrawn record's entries are tombstones
    rebuilt = LinkageState()
    rebuilt.rebuild(list(final.values()))
    again = domain.reconcile_next(rebuilt, dict(record("r0", ident()), event_id="ev-2"))
    # The resubmitted record's version is above its withdrawal's, although compaction removed it;
    # the event id follows the pseudonymizer's, not a Kafka offset.
    assert linked(again)["record_version"] == 3
    assert linked(again)["event_id"] == domain.reconcile_next(LinkageState(), dict(record("r5", ident()),
                                                                                   event_id="ev-2")).events[0][1]["event_id"]


def test_the_patient_count_is_exact_beyond_the_index_first_capacity():
    state = LinkageState()
    def word(n: int) -> str:  # a distinct name per number
        return "".join("BCDFGHJKLMNPRSTVZ"[(n // 17 ** k) % 17] + "AEIOU"[(n // 5 ** k) % 5] for k in range(4))

    for i in range(1500):  # more patients than the 1,024 the index starts with room for
        run(state, record(f"r{i}", ident(word(i), word(i + 7919), f"19{i % 90 + 10:02d}-0{i % 9 + 1}-1{i % 9}")),
            i + 1)
    assert state.summary()["patients"] == 1500
