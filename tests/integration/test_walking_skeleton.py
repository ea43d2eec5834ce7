"""End to end through the real broker and database: submissions in, warehouse out, and no
identity anywhere after the pseudonymizer (topics, warehouse, service logs)."""
from __future__ import annotations

import json
import re

import pytest

from rarelog.client import SubmissionPublisher
from rarelog_kit.topics import (INTAKE_SUBMISSIONS, LINKAGE_REVIEWS, PATIENT_EVENTS, PSEUDONYMIZED_RECORDS,
                                RECONCILER_CHANGELOG, dlq)
from tests.integration import cohort as cohorts
from tests.integration import linkage_replay

pytestmark = pytest.mark.integration

# Topics after the pseudonymizer: no identity may ever reach them.
DOWNSTREAM = (PSEUDONYMIZED_RECORDS, PATIENT_EVENTS, RECONCILER_CHANGELOG, LINKAGE_REVIEWS, dlq(PSEUDONYMIZED_RECORDS),
              dlq(LINKAGE_REVIEWS), dlq(PATIENT_EVENTS))
RANDOM_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|P[A-Z2-7]{16}")


def publish(pipeline, messages) -> None:
    publisher = SubmissionPublisher(pipeline.bootstrap, topic_prefix=pipeline.prefix)
    for key, value in messages:
        publisher.publish_raw(key, value)
    publisher.flush()


def test_submissions_become_patients_and_nothing_identifying_leaks(pipeline):
    cohort = cohorts.build(patients=150, centres=8, seed=11)
    pipeline.start_all()
    publish(pipeline, cohort.messages)
    pipeline.wait_caught_up()

    # Patients: the warehouse holds exactly what the reconciler's decisions on this log give, and
    # those find the true persons through the cohort's identity errors.
    events, state = linkage_replay.replay(pipeline)
    assert linkage_replay.published(pipeline) == events
    stored = linkage_replay.warehouse_patients(pipeline)
    truth = cohort.truth(pipeline.key)
    assert stored == {k: state.patient_of_record(k) for k in truth}
    assert len(set(truth.values())) < len(truth), "the cohort must hold multi-centre patients"
    assert linkage_replay.pairwise_f1(stored, truth) >= 0.97
    [(patients,)] = pipeline.query("SELECT count(*) FROM {registry}.patient")
    assert patients == len(set(stored.values()))
    [(records,)] = pipeline.query("SELECT count(*) FROM {registry}.record WHERE NOT withdrawn")
    assert records == len(cohort.active)
    # A withdrawn record stays marked while its patient has others; a patient's last record
    # withdrawn erases the patient, rows and all (docs/decisions/0011), with an audit line.
    [(withdrawn,)] = pipeline.query("SELECT count(*) FROM {registry}.record WHERE withdrawn")
    [(erased,)] = pipeline.query("SELECT coalesce(sum(records), 0) FROM {registry}.erasure_audit "
                                 "WHERE reason = 'WITHDRAW'")
    assert withdrawn + erased == len(cohort.withdrawn) and erased
    view = dict(pipeline.query("SELECT orphacode, patients FROM {analytics}.patients_by_orphacode"))
    assert view == cohort.expected_by_orphacode(pipeline.key, stored)

    # Rejects: every bad message is dead-lettered once, with its reason and source coordinates.
    dead = pipeline.read_topic(dlq(INTAKE_SUBMISSIONS))
    codes = sorted(dict(m.headers())["x-dlq-error-class"].decode() for m in dead)
    assert codes == sorted(cohort.expected_rejects)
    for m in dead:
        headers = dict(m.headers())
        assert headers["x-dlq-service"] == b"ingest"
        assert headers["x-dlq-source-topic"] == (pipeline.prefix + INTAKE_SUBMISSIONS).encode()
        assert json.loads(headers["x-dlq-reasons"])[0]["message"]
    # Nothing lost, nothing doubled: accepted + rejected = submitted. The intake's offsets count
    # what was submitted (one each: the publisher is not transactional); its messages are gone,
    # truncated by the withdrawals' erasures once processed (docs/decisions/0011).
    submitted = pipeline.end_offsets(INTAKE_SUBMISSIONS)
    pseudonymised = pipeline.read_topic(PSEUDONYMIZED_RECORDS)
    assert len(pseudonymised) + len(dead) == submitted == len(cohort.messages)
    assert len(pipeline.read_topic(INTAKE_SUBMISSIONS)) < submitted

    # No identity value in any byte after the pseudonymizer, nor in the warehouse.
    needles = cohorts.identity_strings(cohort.identities)
    # The warehouse keeps death dates as dates: one equal to a birth date is no leak there.
    warehouse_needles = cohorts.identity_strings(cohort.identities, cohorts.death_dates([s for s, _ in cohort.valid]))
    assert len(needles) > 100
    haystacks = {topic: b"\n".join((m.key() or b"") + b" " + (m.value() or b"") + b" " +
                                   b" ".join(v for _, v in (m.headers() or []))
                                   for m in pipeline.read_topic(topic, committed_only=False))
                 for topic in DOWNSTREAM}
    haystacks["warehouse"] = pipeline.warehouse_text().encode()
    for service in ("ingest", "pseudonymizer", "reconciler", "registry-store"):
        haystacks[f"{service} log"] = pipeline.log(service).encode()
    for where, raw in haystacks.items():
        text = RANDOM_IDS.sub("#", raw.decode("utf-8", "replace"))
        leaks = sorted(n for n in (warehouse_needles if where == "warehouse" else needles) if n in text)
        assert not leaks, f"identity found in {where}: {len(leaks)} values"
    assert haystacks[PATIENT_EVENTS] and haystacks["warehouse"] and haystacks["ingest log"]
