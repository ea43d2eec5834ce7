"""One stage at a time: its input produced to topics of the run's own, the service started on
them, its consumed position timed. And the same for the raw baselines that bound its work."""
from __future__ import annotations

import json
import os
import pickle
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PATIENT_EVENTS

from . import baselines, harness
from .data import KEY, STAGE_TOPICS, StageData, settled_model


@dataclass(frozen=True)
class Files:
    """What every service run of the bench is given: the bench's pseudonym key (so record keys
    are the ones the workload computed) and the settled linkage model."""
    folder: Path
    key: Path
    model: Path

    @classmethod
    def make(cls) -> "Files":
        folder = Path(tempfile.mkdtemp(prefix="rarelog-bench-"))
        key, model = folder / "pseudonym.key", folder / "model.json"
        key.write_text(KEY.secret.hex())
        key.chmod(0o600)
        model.write_text(json.dumps(settled_model()))
        return cls(folder, key, model)


def service_env(env: dict, files: Files, prefix: str) -> dict:
    schema = warehouse_schema(prefix)
    return {**env, "RARELOG_TOPIC_PREFIX": prefix, "RARELOG_HEALTH_PORT": "0", "RARELOG_LOG_LEVEL": "WARNING",
            "RARELOG_PSEUDONYM_KEY_FILE": str(files.key), "RARELOG_MODEL_FILE": str(files.model),
            "RARELOG_WAREHOUSE_SCHEMA": schema, "RARELOG_ANALYTICS_SCHEMA": schema + "_views"}


def warehouse_schema(prefix: str) -> str:
    return prefix.rstrip(".") + "_registry"


def drop_warehouse(database_url: str, prefix: str) -> None:
    schema = warehouse_schema(prefix)
    with psycopg.connect(database_url, autocommit=True) as conn:
        for name in (schema + "_views", schema + "_omop", schema):
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def measure_stage(env: dict, files: Files, stage: str, data: StageData, profile_to: str | None = None) -> float:
    """Input messages per second of the service, from its first committed batch to its last."""
    bootstrap, topic = env["KAFKA_BOOTSTRAP_SERVERS"], STAGE_TOPICS[stage]
    with harness.run_topics(bootstrap) as prefix:
        harness.produce(bootstrap, prefix + topic, data.inputs)
        group = f"{prefix}rarelog-{stage}"
        if stage == "registry-store":
            position = harness.sink_position(env["DATABASE_URL"], warehouse_schema(prefix), group)
        else:
            position = harness.kafka_position(bootstrap, group, prefix + topic)
        try:
            return harness.rate_of(harness.serve(stage, profile_to), service_env(env, files, prefix), position,
                                   len(data.inputs))
        finally:
            if stage == "registry-store":
                drop_warehouse(env["DATABASE_URL"], prefix)


def measure_passthrough(env: dict, files: Files, stage: str, data: StageData) -> float:
    """The transactional loop writing the stage's own outputs without its work (bench.passthrough)."""
    bootstrap, topic = env["KAFKA_BOOTSTRAP_SERVERS"], STAGE_TOPICS[stage]
    by_key: dict[bytes, list] = {}
    for (key, _), outs in zip(data.inputs, data.outputs):
        by_key.setdefault(key, []).append(outs)
    outputs = files.folder / f"outputs-{stage}.pickle"
    with open(outputs, "wb") as handle:
        pickle.dump(by_key, handle, protocol=5)
    try:
        with harness.run_topics(bootstrap) as prefix:
            harness.produce(bootstrap, prefix + topic, data.inputs)
            position = harness.kafka_position(bootstrap, f"{prefix}rarelog-passthrough", prefix + topic)
            command = [sys.executable, "-m", "bench.passthrough", str(outputs), topic]
            return harness.rate_of(command, service_env(env, files, prefix), position, len(data.inputs))
    finally:
        os.unlink(outputs)


def measure_raw_sink(env: dict, schema: str, data: StageData, catalog: AvroCatalog) -> float:
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    with harness.run_topics(bootstrap) as prefix:
        harness.produce(bootstrap, prefix + PATIENT_EVENTS, data.inputs)
        return baselines.raw_sink_rate(env["DATABASE_URL"], schema, bootstrap, prefix + PATIENT_EVENTS,
                                       baselines.distinct_records(data.outputs), catalog)
