"""Erasure by crypto-shredding, end to end over the real broker and database (docs/decisions/0011).

Patients oppose in the middle of a load. Afterwards nothing of theirs may be readable anywhere:
not in any topic (their data keys are gone from the key store, physically once compacted, so
every sealed copy of their content and linkage stays closed; nothing of it is in clear; the
identified intake topics and their dead letters no longer hold their submissions), not in
the warehouse, OMOP, a fresh replay or a study's views; a new record of the same person links
to none of them. Everyone else is intact: the warehouse holds exactly the cohort minus the erased.
"""
from __future__ import annotations

import json
import subprocess
import sys
import time

from pathlib import Path

import psycopg
import pytest
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource

from rarelog.access.keys import load_secret, study_pseudonym
from rarelog.client import SubmissionPublisher, submission_key
from rarelog.stack import embedded_env
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.sealing import Unsealable, unseal
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import (INTAKE_RECORDS, INTAKE_SUBMISSIONS, KEYS_RECORDS, PATIENT_EVENTS,
                                PSEUDONYMIZED_RECORDS, RECONCILER_CHANGELOG, dlq)
from rarelog_pseudonymizer.domain import record_key
from rarelog_pseudonymizer.intake_purge import lenient, owners, record_keys
from rarelog_pseudonymizer.keys import KeyRing
from tests.integration import cohort as cohorts

pytestmark = pytest.mark.integration
CATALOG = AvroCatalog()
ERASED = 6
PURPOSES = {"content": "content", "sealed_linkage": "linkage", "sealed": "death"}  # sealed field → its purpose


def publish(pipeline, messages) -> None:
    publisher = SubmissionPublisher(pipeline.bootstrap, topic_prefix=pipeline.prefix)
    for key, value in messages:
        publisher.publish_raw(key, value)
    publisher.flush()


def choose(cohort, first_half: int) -> dict[int, list[dict]]:
    """Patients all of whose records are in the first half, multi-record ones first."""
    records: dict[int, list[dict]] = {}
    last_seen: dict[int, int] = {}
    for i, (s, patient) in enumerate(cohort.valid):
        records.setdefault(patient, []).append(s)
        last_seen[patient] = i
    eligible = [p for p in records if last_seen[p] < first_half]
    eligible.sort(key=lambda p: (-len(records[p]), p))
    return {p: records[p] for p in eligible[:ERASED]}


def force_compaction(pipeline) -> None:
    """The key store rolls its segment hourly in production; here within a second, so that the
    cleaner removes erased keys from the log during the test."""
    admin = AdminClient({"bootstrap.servers": pipeline.bootstrap})
    entries = [ConfigEntry(name, value, incremental_operation=AlterConfigOpType.SET)
               for name, value in (("segment.ms", "1000"), ("max.compaction.lag.ms", "1000"))]
    resource = ConfigResource("TOPIC", pipeline.prefix + KEYS_RECORDS, incremental_configs=entries)
    for future in admin.incremental_alter_configs([resource]).values():
        future.result()


def raw_keys(pipeline) -> dict[str, list[bytes | None]]:
    """Every value the key store's log holds for each record key, as a reader of the raw log sees it."""
    out: dict[str, list[bytes | None]] = {}
    for m in pipeline.read_topic(KEYS_RECORDS, committed_only=False):
        out.setdefault(m.key().decode(), []).append(m.value())
    return out


def test_erased_patients_leave_no_readable_trace_and_everyone_else_is_intact(pipeline):
    cohort = cohorts.build(patients=160, centres=8, seed=23, withdraw=0, invalid=False)
    half = len(cohort.messages) // 2
    chosen = choose(cohort, half)
    assert any(len(rs) > 1 for rs in chosen.values()), "erase a multi-record patient too"
    erased_keys = {record_key(pipeline.key, s["centre_id"], s["local_record_id"]) for rs in chosen.values() for s in rs}
    oppositions = []
    for rs in chosen.values():  # one opposition per patient, through one of its records
        o = {"operation": "OPPOSE", "centre_id": rs[-1]["centre_id"], "local_record_id": rs[-1]["local_record_id"]}
        oppositions.append((submission_key(o), json.dumps(o).encode()))

    # Dead letters in the identified intake: a refused submission and an unreadable record of one
    # of them, and of someone else (kept).
    kept = next(s for s, p in cohort.valid if p not in chosen)
    mine = next(iter(chosen.values()))[0]
    refused = [(submission_key(s), json.dumps({**s, "record": {
        **s["record"], "identity": {**s["record"]["identity"], "sex": "X"}}}).encode()) for s in (mine, kept)]

    pipeline.start_all()
    publish(pipeline, cohort.messages[:half] + refused)
    unreadable(pipeline, [submission_key(s) for s in (mine, kept)])
    pipeline.wait_caught_up()
    erased_patients = {p for (p,) in pipeline.query(
        "SELECT DISTINCT patient_id FROM {registry}.record WHERE record_key = ANY(%s)", list(erased_keys))}
    assert len(erased_patients) >= ERASED
    publish(pipeline, oppositions + cohort.messages[half:])  # the load goes on
    pipeline.wait_caught_up()

    # A new record of an erased person links to none of the erased patients: it founds its own.
    first = next(iter(chosen.values()))[0]
    again = {**first, "local_record_id": "resubmitted-1"}
    force_compaction(pipeline)
    time.sleep(2)  # past segment.ms: the next key appended rolls the segment holding the erased keys
    publish(pipeline, [(submission_key(again), json.dumps(again).encode())])
    pipeline.wait_caught_up()
    [(new_patient, rule)] = pipeline.query("SELECT patient_id, link_rule FROM {registry}.record WHERE record_key = %s",
                                           record_key(pipeline.key, first["centre_id"], "resubmitted-1"))
    assert new_patient not in erased_patients and rule == "new-patient"

    # Warehouse and OMOP: everyone else exactly, nothing of the erased.
    rarelog(pipeline, "omop", "refresh")
    expected = {record_key(pipeline.key, s["centre_id"], s["local_record_id"]) for s, _ in cohort.valid} - erased_keys
    expected.add(record_key(pipeline.key, first["centre_id"], "resubmitted-1"))
    stored = {k for (k,) in pipeline.query("SELECT record_key FROM {registry}.record")}
    assert stored == expected
    text = pipeline.warehouse_text() + "\n" + omop_text(pipeline)
    assert not [x for x in erased_patients | erased_keys if x in text]
    assert pipeline.query("SELECT reason, records FROM {registry}.erasure_audit ORDER BY records") and \
        len(pipeline.query("SELECT 1 FROM {registry}.erasure_audit")) == len(erased_patients)

    # Topics: the erased records' keys are gone from the key store's log once compacted ...
    deadline = time.monotonic() + 120
    while any(v is not None for k in erased_keys for v in raw_keys(pipeline).get(k, [])):
        assert time.monotonic() < deadline, "the erased data keys were not compacted away"
        time.sleep(3)
    keys = DataKeyStore(CATALOG, {"bootstrap.servers": pipeline.bootstrap}, pipeline.prefix + KEYS_RECORDS)
    keys.load()
    assert not erased_keys & set(keys.keys) and len(keys.keys) == len(expected)
    # ... so that none of their sealed payloads opens, and none travels in clear.
    left = [CATALOG.decode(v).value["data_key"] for values in raw_keys(pipeline).values() for v in values if v]
    sealed_seen = 0
    for topic in (PSEUDONYMIZED_RECORDS, PATIENT_EVENTS, RECONCILER_CHANGELOG):
        for m in pipeline.read_topic(topic, committed_only=False):
            if m.value() is None:
                continue
            decoded = CATALOG.decode(m.value()).value
            k = decoded.get("record_key") or m.key().decode().partition(":")[2]
            if k not in erased_keys:
                continue
            assert not decoded.get("clinical") and not decoded.get("diagnoses") and not decoded.get("linkage") \
                and not decoded.get("encoding") and not decoded.get("pseudonym"), f"{topic}: in clear"
            for field, purpose in PURPOSES.items():
                if decoded.get(field):
                    sealed_seen += 1
                    for data_key in left:  # no key left in the log opens it
                        with pytest.raises(Unsealable):
                            unseal(data_key, decoded[field], record_key=k, purpose=purpose)
    assert sealed_seen >= 2 * len(erased_keys)

    # The identified intake (before the pseudonymizer, so not sealed): the erasures truncated what
    # ingest and the pseudonymizer had processed and removed their dead letters; others' stay.
    ring, read = KeyRing(pipeline.key), lenient(CATALOG.decode)
    for topic in (INTAKE_SUBMISSIONS, INTAKE_RECORDS, dlq(INTAKE_SUBMISSIONS), dlq(INTAKE_RECORDS)):
        messages = pipeline.read_topic(topic, committed_only=False)
        theirs = [m.offset() for m in messages
                  if record_keys(ring, owners(m.key(), m.value(), read)) & erased_keys]
        assert not theirs, f"{topic}: an erased record at offsets {theirs}"
        if topic.endswith(".dlq"):
            assert submission_key(kept) in {m.key() for m in messages}, f"{topic}: someone else's dead letter lost"

    # A study granted on their disorders: its views hold the others, never them.
    codes = sorted({d["orphacode"] for rs in chosen.values() for s in rs for d in s["record"]["diagnoses"]
                    if d.get("orphacode")})
    study = f"erasure_{pipeline.prefix.strip('.').replace('-', '_')}"[:40].lower()
    access = {"RARELOG_ACCESS_SCHEMA": f"{pipeline.schema}_access"}
    rarelog(pipeline, "access", "grant", "--study", study, "--orphacodes", ",".join(codes), "--years", "1950-2026",
            "--expires", "2099-12-31", env=access)
    try:
        secret = load_secret(Path(embedded_env()["RARELOG_STUDY_KEY_FILE"]))
        seen = {p for (p,) in pipeline.query(f"SELECT study_patient_id FROM study_{study}.patient")}
        assert seen and not seen & {study_pseudonym(secret.study_key(study), p) for p in erased_patients}
    finally:
        rarelog(pipeline, "access", "revoke", "--study", study, env=access)
        with psycopg.connect(pipeline.database_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {pipeline.schema}_access CASCADE")

    # A fresh replay from offset zero: the same warehouse, without them.
    replayed = pipeline.schema + "_asof"
    rarelog(pipeline, "replay", "--as-of", "2100-01-01T00:00:00+00:00", "--into", replayed)
    try:
        again_stored = {k for (k,) in pipeline.query(f"SELECT record_key FROM {replayed}.record")}
        assert again_stored == expected
        [(patients,)] = pipeline.query(f"SELECT count(*) FROM {replayed}.patient")
        [(live,)] = pipeline.query("SELECT count(*) FROM {registry}.patient")
        assert patients == live
        replay_text = "\n".join(r[0] for t in ("record", "patient", "possible_match", "patient_link_event")
                                for r in pipeline.query(f"SELECT x::text FROM {replayed}.{t} x"))
        assert not [x for x in erased_patients | erased_keys if x in replay_text]
    finally:
        with psycopg.connect(pipeline.database_url, autocommit=True) as conn:
            for schema in (f"{replayed}_analytics", f"{replayed}_omop", replayed):
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    pipeline.assert_running()


def unreadable(pipeline, keys: list[bytes]) -> None:
    """Records that ingest could not have written: the pseudonymizer dead-letters them."""
    producer = Producer({"bootstrap.servers": pipeline.bootstrap})
    for key in keys:
        producer.produce(pipeline.prefix + INTAKE_RECORDS, b"\x07not a record", key)
    assert producer.flush(30) == 0


def rarelog(pipeline, *argv: str, env: dict | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "rarelog", *argv], env=pipeline.service_env(**(env or {})),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def omop_text(pipeline) -> str:
    schema = pipeline.schema + "_omop"
    rows = pipeline.query("SELECT table_name FROM information_schema.tables WHERE table_schema = %s", schema)
    return "\n".join(r[0] for (t,) in rows for r in pipeline.query(f'SELECT x::text FROM {schema}."{t}" x'))
