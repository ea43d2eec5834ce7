"""`rarelog replay` against the real services: two replays give the live warehouse's checksums,
an as-of replay stops between two waves, and the switch happens under the running sink, which
carries on in the switched-in schemas."""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

import psycopg
import pytest

from rarelog import cli
from rarelog.client import SubmissionPublisher, submission_key
from rarelog.replay import Target, run_as_of, run_switch, verify
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PATIENT_EVENTS
from tests.integration import cohort as cohorts

CATALOG = AvroCatalog()

pytestmark = pytest.mark.integration


def publish(pipeline, messages) -> None:
    publisher = SubmissionPublisher(pipeline.bootstrap, topic_prefix=pipeline.prefix)
    for key, value in messages:
        publisher.publish_raw(key, value)
    publisher.flush()


def counts(pipeline, registry=None) -> tuple:
    registry = registry or "{registry}"
    return pipeline.query(f"SELECT (SELECT count(*) FROM {registry}.record), (SELECT count(*) FROM {registry}.patient), "
                          f"(SELECT count(*) FROM {registry}.activity)")[0]


def test_replay_verifies_rebuilds_the_past_and_switches_under_the_running_sink(pipeline, monkeypatch, capsys):
    cohort = cohorts.build(patients=80, centres=6, seed=23)
    half = len(cohort.messages) // 2
    target = Target(pipeline.database_url, {"bootstrap.servers": pipeline.bootstrap}, pipeline.prefix,
                    pipeline.schema, pipeline.analytics)
    extra = []
    try:
        pipeline.start_all()
        publish(pipeline, cohort.messages[:half])
        pipeline.wait_caught_up()
        first_wave = counts(pipeline)
        first_records = {k for (k,) in pipeline.query("SELECT record_key FROM {registry}.record")}
        between = datetime.now(timezone.utc)
        time.sleep(1.5)  # message timestamps are milliseconds: keep the waves apart
        publish(pipeline, cohort.messages[half:])
        pipeline.wait_caught_up()
        before = counts(pipeline)
        assert before[0] > first_wave[0] > 0

        # Two replays and the live warehouse (caught up, so it stands still): one checksum each.
        lines, same, with_live = verify(target)
        assert with_live and same, [line for line in lines if len(set(line[1])) > 1]
        assert dict(lines)["record"][0][0] == before[0]
        for name, value in {"KAFKA_BOOTSTRAP_SERVERS": pipeline.bootstrap, "DATABASE_URL": pipeline.database_url,
                            "RARELOG_TOPIC_PREFIX": pipeline.prefix, "RARELOG_WAREHOUSE_SCHEMA": pipeline.schema,
                            "RARELOG_ANALYTICS_SCHEMA": pipeline.analytics}.items():
            monkeypatch.setenv(name, value)
        assert cli.main(["replay", "--verify"]) == 0
        out = capsys.readouterr().out
        assert "identical (two replays and the live warehouse)" in out and "DIFFERS" not in out

        # The registry as it stood between the waves.
        extra += [f"{pipeline.schema}_asof", f"{pipeline.schema}_asof_analytics", f"{pipeline.schema}_asof_omop"]
        assert run_as_of(target, between, extra[0], None) == 0
        # ... less the records withdrawn since: their data keys went with them, and a patient's
        # last one erased the patient; a past state never brings them back (docs/decisions/0011).
        gone = set()
        for m in pipeline.read_topic(PATIENT_EVENTS):
            event = CATALOG.decode(m.value())
            if event.schema_name in ("PatientErased", "RecordWithdrawn"):
                gone |= set(event.value.get("record_keys") or [event.value.get("record_key")])
        assert gone & first_records, "the cohort's withdrawals must concern the first wave"
        as_of_records = {k for (k,) in pipeline.query(f"SELECT record_key FROM {extra[0]}.record")}
        assert as_of_records == first_records - gone
        [(patients,)] = pipeline.query(f"SELECT count(DISTINCT patient_id) FROM {extra[0]}.record")
        assert pipeline.query(f"SELECT patients FROM {extra[1]}.patient_count")[0][0] == patients

        # The switch, with the sink running: same content, then the sink writes into it.
        assert run_switch(target, drop_old=False) == 0
        [(old,)] = pipeline.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                                  pipeline.schema + "_old_%")
        extra += [old, old.replace(pipeline.schema, pipeline.analytics, 1), f"{pipeline.schema}_omop_{old[len(pipeline.schema) + 1:]}"]
        assert pipeline.query(f"SELECT count(*) FROM {pipeline.schema}_omop.person")[0][0] > 0  # moved with it
        assert counts(pipeline) == before
        assert pipeline.query("SELECT count(*) FROM {analytics}.age_at_onset")[0][0] > 0  # band_of, renamed
        s = json.loads(json.dumps(cohort.valid[-1][0]))
        s["local_record_id"] = "after-the-switch"
        publish(pipeline, [(submission_key(s), json.dumps(s).encode())])
        pipeline.wait_caught_up()
        assert counts(pipeline)[0] == before[0] + 1
        assert counts(pipeline, old)[0] == before[0]
        assert pipeline.query("SELECT sum(patients) > 0 FROM {analytics}.patients_by_orphacode")[0][0]
    finally:
        pipeline.stop_all()
        with psycopg.connect(pipeline.database_url, autocommit=True) as conn:
            for name in reversed(extra):
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
