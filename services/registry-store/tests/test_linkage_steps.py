"""The pure part of linkage events: a batch becomes steps in the topic's order."""
from datetime import datetime

from rarelog_registry_store import domain
from rarelog_registry_store.domain import MatchRaised, MatchResolved, RecordsMoved, RowChanges


def test_a_merge_between_two_links_keeps_its_place(events):
    steps = domain.plan([events.linked("r1", "P1", 1), events.merged("P2", "P1", ["r1"]),
                         events.linked("r2", "P2", 2)])
    assert [type(s) for s in steps] == [RowChanges, RecordsMoved, RowChanges]
    assert list(steps[0].records) == ["r1"] and list(steps[2].records) == ["r2"]
    move = steps[1]
    assert (move.source, move.target, move.record_keys, move.whole) == ("P1", "P2", ["r1"], True)
    assert move.patients == {"P1", "P2"}


def test_consecutive_record_events_are_one_bulk_step(events):
    steps = domain.plan([events.linked("r1", "P1", 1), events.linked("r2", "P2", 2), events.withdrawn("r1", "P1", 3),
                         events.possible_match("rv1", "P3", "P2", "r3", "r2", 4), events.linked("r4", "P4", 5)])
    assert [type(s) for s in steps] == [RowChanges, MatchRaised, RowChanges]
    assert set(steps[0].records) == {"r1", "r2"}
    assert dict(zip(domain.RECORD_COLUMNS, steps[0].records["r1"]))["withdrawn"]


def test_a_possible_match_keeps_the_agreement_pattern_and_flags_its_provisional_patient(events):
    (step,) = domain.plan([events.possible_match("rv1", "P3", "P2", "r3", "r2", 4, probability=0.7)])
    row = dict(zip(domain.POSSIBLE_MATCH_COLUMNS, step.row))
    assert row["agreement"] == [{"field": "given", "level": 3, "levels": 3}, {"field": "date", "level": 1, "levels": 4}]
    assert (row["patient_id"], row["candidate_patient_id"], row["match_probability"]) == ("P3", "P2", 0.7)
    assert isinstance(row["raised_at"], datetime) and row["raised_event_id"] == "pm-rv1"
    assert step.patients == {"P3"}


def test_verdicts_become_statuses(events):
    accept, reject = domain.plan([events.resolved("rv1", "P3", "P2", "ACCEPT"),
                                  events.resolved("rv2", "P4", "P2", "REJECT")])
    assert isinstance(accept, MatchResolved) and (accept.status, reject.status) == ("accepted", "rejected")
    assert accept.patients == {"P3"}


def test_a_verdict_the_warehouse_cannot_apply_is_named():
    name, value = "PossibleMatchResolved", {"verdict": "SPLIT"}
    assert "SPLIT" in domain.unappliable(name, value)
    assert domain.unappliable(name, {"verdict": "REJECT"}) is None


def test_merges_and_splits_are_journalled(events):
    merge, split = domain.plan([events.merged("P2", "P1", ["r1"], review="rv1"), events.split("P2", "P5", ["r2"])])
    m = dict(zip(domain.LINK_EVENT_COLUMNS, merge.journal))
    s = dict(zip(domain.LINK_EVENT_COLUMNS, split.journal))
    assert (m["kind"], m["patient_id"], m["other_patient_id"], m["review_id"]) == ("merge", "P2", "P1", "rv1")
    assert (s["kind"], s["patient_id"], s["other_patient_id"], s["record_keys"]) == ("split", "P2", "P5", ["r2"])
    assert (split.source, split.target, split.whole) == ("P2", "P5", False)


def test_timestamps_in_milliseconds_are_read_too(events):
    name, value = events.resolved("rv1", "P3", "P2", "REJECT")
    (step,) = domain.plan([(name, {**value, "decided_at": 0})])
    assert step.resolved_at.year == 1970 and step.resolved_at.tzinfo is not None
