"""Linkage events written into a real PostgreSQL through the sink: possible matches and their
verdicts, merges and splits, and replays that change nothing."""
import pytest

pytestmark = pytest.mark.integration


def patients(wh):
    return dict(wh.query("SELECT patient_id, provisional FROM {registry}.patient"))


def owner(wh):
    return dict(wh.query("SELECT record_key, patient_id FROM {registry}.record"))


def three_patients(events):
    return [events.linked("r1", "P1", 1), events.linked("r2", "P2", 2, codes=("ORPHA:166",)),
            events.linked("r3", "P3", 3, rule="provisional")]


def test_a_possible_match_makes_its_patient_provisional_until_rejected(warehouse, events):
    warehouse.write(three_patients(events) + [events.possible_match("rv1", "P3", "P2", "r3", "r2", 3)])
    assert patients(warehouse) == {"P1": False, "P2": False, "P3": True}
    queue = warehouse.query("SELECT review_id, patient_id, candidate_patient_id, match_probability, agreement "
                            "FROM {analytics}.linkage_review_queue")
    assert queue == [("rv1", "P3", "P2", 0.62, [{"field": "given", "level": 3, "levels": 3},
                                                 {"field": "date", "level": 1, "levels": 4}])]

    warehouse.write([events.resolved("rv1", "P3", "P2", "REJECT")])
    assert patients(warehouse) == {"P1": False, "P2": False, "P3": False}
    assert warehouse.query("SELECT status, reviewer, resolved_event_id FROM {registry}.possible_match") == [
        ("rejected", "reviewer-1", "verdict-rv1")]
    assert warehouse.query("SELECT * FROM {analytics}.linkage_review_queue") == []


def test_an_accepted_match_merges_and_a_split_undoes_it(warehouse, events):
    warehouse.write(three_patients(events) + [events.possible_match("rv1", "P3", "P2", "r3", "r2", 3)])
    warehouse.write([events.resolved("rv1", "P3", "P2", "ACCEPT"), events.merged("P2", "P3", ["r3"], "rv1")])
    assert owner(warehouse) == {"r1": "P1", "r2": "P2", "r3": "P2"}
    assert patients(warehouse) == {"P1": False, "P2": False}
    assert warehouse.query("SELECT record_count FROM {registry}.patient WHERE patient_id = 'P2'") == [(2,)]
    assert warehouse.query("SELECT status FROM {registry}.possible_match") == [("accepted",)]

    warehouse.write([events.split("P2", "P4", ["r3"])])
    assert owner(warehouse) == {"r1": "P1", "r2": "P2", "r3": "P4"}
    assert set(patients(warehouse)) == {"P1", "P2", "P4"}
    assert warehouse.query("SELECT kind, patient_id, other_patient_id, record_keys, review_id "
                           "FROM {registry}.patient_link_event ORDER BY kind") == [
        ("merge", "P2", "P3", ["r3"], "rv1"), ("split", "P2", "P4", ["r3"], None)]
    assert warehouse.query("SELECT patients, merges, splits, pending_reviews FROM {analytics}.patient_count") == [
        (3, 1, 1, 0)]


def test_a_batch_applies_in_order_link_merge_link(warehouse, events):
    warehouse.write([events.linked("r1", "P1", 1), events.linked("r2", "P2", 2),
                     events.merged("P2", "P1", ["r1"]), events.linked("r3", "P2", 3)])
    assert owner(warehouse) == {"r1": "P2", "r2": "P2", "r3": "P2"}
    assert warehouse.query("SELECT patient_id, record_count FROM {registry}.patient") == [("P2", 3)]
    assert warehouse.query("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode") == [("ORPHA:558", 1)]


def test_a_merge_takes_every_record_of_the_merged_patient(warehouse, events):
    warehouse.write([events.linked("r1", "P1", 1), events.linked("r2", "P1", 2), events.linked("r3", "P2", 3),
                     events.merged("P2", "P1", ["r1"])])
    assert owner(warehouse) == {"r1": "P2", "r2": "P2", "r3": "P2"}


def test_replaying_a_batch_changes_nothing(warehouse, events):
    batch = three_patients(events) + [
        events.possible_match("rv1", "P3", "P2", "r3", "r2", 3), events.resolved("rv1", "P3", "P2", "ACCEPT"),
        events.merged("P2", "P3", ["r3"], "rv1"), events.linked("r4", "P2", 4),
        events.possible_match("rv2", "P5", "P1", "r5", "r1", 5), events.split("P2", "P6", ["r2"]),
        events.withdrawn("r1", "P1", 6)]
    # r5's provisional patient is linked in an earlier batch, as the reconciler would have done.
    warehouse.write([events.linked("r5", "P5", 5, rule="provisional")])
    warehouse.write(batch)
    first = warehouse.snapshot()
    warehouse.write(batch)
    assert warehouse.snapshot() == first
    assert owner(warehouse) == {"r1": "P1", "r2": "P6", "r3": "P2", "r4": "P2", "r5": "P5"}
    assert patients(warehouse) == {"P2": False, "P5": True, "P6": False}


def test_a_possible_match_replayed_after_its_verdict_stays_resolved(warehouse, events):
    raised = events.possible_match("rv1", "P3", "P2", "r3", "r2", 3)
    warehouse.write(three_patients(events) + [raised, events.resolved("rv1", "P3", "P2", "REJECT")])
    warehouse.write([raised])
    assert warehouse.query("SELECT status FROM {registry}.possible_match") == [("rejected",)]
    assert patients(warehouse)["P3"] is False


def test_a_verdict_it_cannot_apply_is_quarantined_not_fatal(warehouse, events):
    warehouse.write(three_patients(events) + [events.possible_match("rv1", "P3", "P2", "r3", "r2", 3),
                                              events.resolved("rv1", "P3", "P2", "SPLIT"),
                                              events.linked("r4", "P1", 4)])
    assert warehouse.query("SELECT reason_code FROM {registry}.quarantined_event") == [("unappliable-event",)]
    assert warehouse.query("SELECT status FROM {registry}.possible_match") == [("pending",)]
    assert owner(warehouse)["r4"] == "P1"
