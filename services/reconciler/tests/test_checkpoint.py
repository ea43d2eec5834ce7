"""Local checkpoints of the linkage state: a whole one restores the state exactly; anything
doubtful (torn, corrupt, another topic, other settings, too old, readable by others) is refused."""
import os
import pickle
import stat
import time

import pytest
from prometheus_client import CollectorRegistry

from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer.domain import linkage, pseudonym
from rarelog_pseudonymizer.keys import KeyRing, PseudonymKey
from rarelog_pseudonymizer.normalise import normalise_identity
from rarelog_reconciler import changelog, checkpoint, domain
from rarelog_reconciler.checkpoint import Schedule, Unusable
from rarelog_reconciler.entrypoint import ReconcilerProcessor
from rarelog_reconciler.linkage import AssignParams
from rarelog_reconciler.state import LinkageState

RING = KeyRing(PseudonymKey(b"k" * 32))
TOPIC = "registry.reconciler.changelog"
DAY = 86_400.0


def record(key, given="Anaïs", surname="Lefèvre", born="2011-04-23", operation="UPSERT"):
    if operation == "WITHDRAW":
        return {**record(key), "operation": operation, "pseudonym": None, "linkage": []}
    identity = {"birth_name": surname, "used_name": None, "first_given_name": given, "given_names": [given],
                "sex": "F", "birth_date": born, "birth_place_cog": "75115"}
    normalised = normalise_identity(identity)
    return {"record_key": key, "operation": "UPSERT", "centre_id": "S001", "received_at": 0,
            "birth_year_month": born[:7], "sex": "F", "vital_status": None, "diagnoses": [], "is_foetus": False,
            "birth_area": "75", "residence_departement": "92", "clinical": None,
            "pseudonym": pseudonym(RING.current, normalised), "linkage": linkage(RING, normalised, key)}


def small_state() -> LinkageState:
    state = LinkageState()
    for i, (given, surname) in enumerate([("Anaïs", "Lefèvre"), ("Anna", "Lefèvre"), ("Anaïs", "Lefevbre"),
                                          ("Paul", "Durand"), ("Louise", "Lefèvre")]):
        domain.reconcile(state, record(f"r{i}", given, surname), i, f"e{i}")
    return state


@pytest.fixture
def written(tmp_path):
    state = small_state()
    checkpoint.write(tmp_path, TOPIC, 42, state, time.time())
    return tmp_path, state


def test_a_checkpoint_restores_a_state_that_decides_the_same(written):
    directory, state = written
    restored, header = checkpoint.read(directory, TOPIC, LinkageState(), max_age_s=DAY)
    assert (header.topic, header.offset) == (TOPIC, 42)
    assert restored.summary() == state.summary() and restored.reviews == state.reviews
    assert [restored.patient_of_record(f"r{i}") for i in range(5)] == [state.patient_of_record(f"r{i}")
                                                                       for i in range(5)]
    nxt = record("r9", "Anais")
    assert domain.reconcile(restored, nxt, 9, "e9").events == domain.reconcile(state, nxt, 9, "e9").events


def test_the_tail_caught_up_in_bulk_gives_the_state_of_the_uninterrupted_run(written):
    directory, state = written
    restored, _ = checkpoint.read(directory, TOPIC, LinkageState(), max_age_s=DAY)
    tail = []
    for version, rec in enumerate([record("r5", "Marie", "Curie", "1967-11-07"), record("r1", "Anna", "Lefevre"),
                                   record("r2", operation="WITHDRAW"), record("r6", "Mari", "Curie", "1967-11-07"),
                                   record("r2", "Paul", "Durand"), record("r7", "Anaïs")], start=10):
        tail += domain.reconcile(state, rec, version, f"e{version}").changes
    changelog.catch_up(restored, tail)
    same = ("records", "patients", "pseudonyms", "pending_reviews", "index_rows")
    assert [restored.summary()[k] for k in same] == [state.summary()[k] for k in same]
    assert restored.record_of_pseudonym == state.record_of_pseudonym and restored.reviews == state.reviews
    keys = [f"r{i}" for i in range(8)]
    assert [restored.patient_of_record(k) for k in keys] == [state.patient_of_record(k) for k in keys]
    nxt = record("r9", "Marie", "Curi", "1967-11-07")
    assert domain.reconcile(restored, nxt, 99, "e99").events == domain.reconcile(state, nxt, 99, "e99").events


def test_the_file_is_private(written):
    directory, _ = written
    path = checkpoint.path_for(directory, TOPIC)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.chmod(0o644)
    with pytest.raises(Unusable, match="not private"):
        checkpoint.read(directory, TOPIC, LinkageState(), max_age_s=DAY)


def test_a_failed_write_leaves_the_previous_checkpoint_and_no_debris(written, monkeypatch):
    directory, state = written
    before = checkpoint.path_for(directory, TOPIC).read_bytes()

    def broken(obj, file, protocol):
        file.write(b"half a pickle")
        raise OSError("disk full")
    monkeypatch.setattr(pickle, "dump", broken)
    with pytest.raises(OSError):
        checkpoint.write(directory, TOPIC, 99, state, time.time())
    assert checkpoint.path_for(directory, TOPIC).read_bytes() == before
    assert os.listdir(directory) == [checkpoint.path_for(directory, TOPIC).name]


def test_a_write_killed_midway_leaves_debris_the_next_write_clears(written):
    directory, state = written
    stale = directory / f".{checkpoint.path_for(directory, TOPIC).name}.4242.tmp"
    stale.write_bytes(b"half a checkpoint")
    checkpoint.write(directory, TOPIC, 43, state, time.time())
    assert os.listdir(directory) == [checkpoint.path_for(directory, TOPIC).name]


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_a_damaged_payload_is_refused(written, damage):
    directory, _ = written
    path = checkpoint.path_for(directory, TOPIC)
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[-100] ^= 0x01
    else:
        del data[-100:]
    path.write_bytes(bytes(data))
    with pytest.raises(Unusable, match="checksum|truncated|unreadable"):
        checkpoint.read(directory, TOPIC, LinkageState(), max_age_s=DAY)


def test_a_checkpoint_of_another_topic_is_refused(written):
    directory, _ = written
    other = "t1234.registry.reconciler.changelog"
    os.rename(checkpoint.path_for(directory, TOPIC), checkpoint.path_for(directory, other))
    with pytest.raises(Unusable, match="topic"):
        checkpoint.read(directory, other, LinkageState(), max_age_s=DAY)


def test_a_checkpoint_older_than_the_tombstone_window_is_refused(tmp_path):
    checkpoint.write(tmp_path, TOPIC, 42, small_state(), time.time() - 3 * DAY)
    with pytest.raises(Unusable, match="old"):
        checkpoint.read(tmp_path, TOPIC, LinkageState(), max_age_s=2 * DAY)
    assert checkpoint.read(tmp_path, TOPIC, LinkageState(), max_age_s=4 * DAY)[1].offset == 42


def test_a_checkpoint_whose_index_is_mostly_dead_rows_is_refused(tmp_path):
    state = small_state()
    for i in range(5):  # new encodings of every record: each leaves a dead row behind
        domain.reconcile(state, record(f"r{i}", "Zoé", "Martin", "1990-01-01"), 10 + i, f"e{10 + i}")
    checkpoint.write(tmp_path, TOPIC, 42, state, time.time())
    with pytest.raises(Unusable, match="dead"):
        checkpoint.read(tmp_path, TOPIC, LinkageState(), max_age_s=DAY)


def test_a_checkpoint_made_under_other_settings_is_refused(written):
    directory, _ = written
    with pytest.raises(Unusable, match="settings"):
        checkpoint.read(directory, TOPIC, LinkageState(assign=AssignParams(link=0.9, scale_prior=True)),
                        max_age_s=DAY)


def test_the_schedule_waits_for_changes_and_then_for_records_or_time():
    now = [0.0]
    schedule = Schedule(interval_s=600, min_records=100, clock=lambda: now[0])
    now[0] = 10_000
    assert not schedule.due()  # nothing changed: an idle registry writes nothing
    schedule.note(99)
    now[0], schedule.last = 10, 0
    assert not schedule.due()
    schedule.note()
    assert schedule.due()
    schedule.done()
    schedule.note()
    assert not schedule.due()
    now[0] += 600
    assert schedule.due()


def test_a_failing_checkpoint_never_stops_processing(tmp_path, monkeypatch):
    processor = ReconcilerProcessor(AvroCatalog(), {}, {"changelog": TOPIC}, LinkageState, CollectorRegistry(),
                                    tmp_path, Schedule(0, 1))
    processor.schedule.note()

    def broken(*args):
        raise RuntimeError("broker away")
    monkeypatch.setattr(changelog, "save", broken)
    processor.on_commit()
    assert not processor.schedule.due()  # retried at the next due point, not at every batch


def test_loading_falls_back_to_the_changelog_when_the_checkpoint_is_unusable(tmp_path, monkeypatch):
    fresh = LinkageState()
    monkeypatch.setattr(changelog, "delete_retention_ms", lambda *a: 7 * DAY * 1000)
    monkeypatch.setattr(changelog, "rebuild", lambda catalog, config, topic, state, opener=None: (state, 0))
    assert changelog.load(AvroCatalog(), {}, TOPIC, fresh, tmp_path) == (fresh, 0)  # no checkpoint at all
