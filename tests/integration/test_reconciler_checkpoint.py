"""A reconciler killed mid-load restarts from its local checkpoint and the changelog written
after it, and publishes exactly what an uninterrupted run publishes."""
from __future__ import annotations

import json
import time

import pytest
from confluent_kafka import KafkaException

from rarelog_kit.topics import PSEUDONYMIZED_RECORDS, RECONCILER_CHANGELOG
from rarelog_reconciler import checkpoint
from tests.integration import cohort as cohorts
from tests.integration import linkage_replay
from tests.integration.test_crash_recovery import committed
from tests.integration.test_walking_skeleton import publish

pytestmark = pytest.mark.integration


def log_lines(pipeline, msg: str) -> list[dict]:
    lines = [json.loads(line) for line in pipeline.log("reconciler").splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("msg") == msg]


def reached(until) -> bool:
    try:
        return until()
    except KafkaException:  # the group coordinator still loading on a fresh broker: ask again
        return False


def run_and_kill(pipeline, env: dict, until) -> int:
    pipeline.start("reconciler", **env)
    deadline = time.monotonic() + 120
    while not reached(until):
        assert time.monotonic() < deadline, pipeline.log("reconciler")[-2000:]
        time.sleep(0.05)
    pipeline.kill("reconciler")
    return committed(pipeline, "reconciler")


def test_restart_from_checkpoint_and_tail_after_sigkill(pipeline, tmp_path):
    # No withdrawals: an erasure makes the reconciler write a checkpoint at once (the last one holds
    # the erased records' encodings in clear, docs/decisions/0011), which phase 2 must not do.
    cohort = cohorts.build(patients=1500, centres=12, seed=7, withdraw=0, invalid=False)
    accepted = len(cohort.messages)
    state_dir = tmp_path / "state"
    path = checkpoint.path_for(state_dir, pipeline.prefix + RECONCILER_CHANGELOG)
    base = {"RARELOG_STATE_DIR": str(state_dir), "RARELOG_BATCH_SIZE": "50"}
    every_commit = {**base, "RARELOG_CHECKPOINT_INTERVAL_S": "0"}
    never = {**base, "RARELOG_CHECKPOINT_INTERVAL_S": "1e9", "RARELOG_CHECKPOINT_MIN_RECORDS": "1000000000"}
    for service in ("ingest", "pseudonymizer", "registry-store"):
        pipeline.start(service)
    publish(pipeline, cohort.messages)

    # 1. Checkpoints after every commit; killed with one on disk.
    first = run_and_kill(pipeline, every_commit, lambda: path.exists() and committed(pipeline, "reconciler") >= 300)
    # The file, not the log: a kill between the checkpoint's rename and its log line is fair game.
    last_written = checkpoint.read_header(path).offset
    # 2. Restarts from it, goes on without writing any, killed again: a tail of commits after it.
    second = run_and_kill(pipeline, never, lambda: committed(pipeline, "reconciler") >= first + 300)
    assert first < second < accepted, "both kills must land in the middle of the load"
    # 3. Restarts from the same checkpoint and that tail, and finishes the load.
    pipeline.start("reconciler", **every_commit)
    pipeline.wait_caught_up()
    restarts = log_lines(pipeline, "linkage state loaded from checkpoint and changelog tail")
    assert len(restarts) == 2 and restarts[-1]["offset"] == last_written
    assert restarts[-1]["tail_entries"] > 0 and restarts[-1]["records"] > restarts[0]["records"]
    assert len(log_lines(pipeline, "linkage checkpoint not used, rebuilding from the changelog")) == 1, \
        "only the very first start (no checkpoint yet) rebuilds"

    assert len(pipeline.read_topic(PSEUDONYMIZED_RECORDS)) == accepted
    events, state = linkage_replay.replay(pipeline)
    assert linkage_replay.published(pipeline) == events
    stored = linkage_replay.warehouse_patients(pipeline)
    assert stored == {k: state.patient_of_record(k) for k in stored}
