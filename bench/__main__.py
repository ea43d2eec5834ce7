"""`make bench`: each stage's throughput beside the raw baselines of the same run.

    python -m bench [--records N] [--repeat R]

Absolute figures depend on the machine; compare the ratios.
"""
from __future__ import annotations

import argparse
import sys
from datetime import datetime, timezone
from pathlib import Path

import psycopg

from rarelog import stack
from rarelog_kit.topics import INTAKE_RECORDS, INTAKE_SUBMISSIONS, PATIENT_EVENTS, PSEUDONYMIZED_RECORDS

from . import baselines, harness
from .data import KEY, stage_inputs

STAGES = (("ingest", INTAKE_SUBMISSIONS), ("pseudonymizer", INTAKE_RECORDS),
          ("reconciler", PSEUDONYMIZED_RECORDS), ("registry-store", PATIENT_EVENTS))


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def measure_stage(env: dict, stage: str, topic: str, messages: list, key_file: str) -> float:
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    with harness.run_topics(bootstrap) as prefix:
        harness.produce(bootstrap, prefix + topic, messages)
        schema = prefix.rstrip(".") + "_registry"
        run_env = {**env, "RARELOG_TOPIC_PREFIX": prefix, "RARELOG_HEALTH_PORT": "0", "RARELOG_LOG_LEVEL": "WARNING",
                   "RARELOG_PSEUDONYM_KEY_FILE": key_file, "RARELOG_WAREHOUSE_SCHEMA": schema,
                   "RARELOG_ANALYTICS_SCHEMA": schema + "_views"}
        group = f"{prefix}rarelog-{stage}"
        if stage == "registry-store":
            position = harness.sink_position(env["DATABASE_URL"], schema, group)
        else:
            position = harness.kafka_position(bootstrap, group, prefix + topic)
        try:
            return harness.rate_of(harness.serve(stage), run_env, position, len(messages))
        finally:
            if stage == "registry-store":
                with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema}_views CASCADE")
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema}_omop CASCADE")
                    conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def measure_passthrough(env: dict, messages: list) -> float:
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    with harness.run_topics(bootstrap) as prefix:
        harness.produce(bootstrap, prefix + INTAKE_RECORDS, messages)
        run_env = {**env, "RARELOG_TOPIC_PREFIX": prefix, "RARELOG_HEALTH_PORT": "0", "RARELOG_LOG_LEVEL": "WARNING"}
        position = harness.kafka_position(bootstrap, f"{prefix}rarelog-passthrough", prefix + INTAKE_RECORDS)
        command = [sys.executable, "-m", "bench.passthrough", INTAKE_RECORDS, PSEUDONYMIZED_RECORDS]
        return harness.rate_of(command, run_env, position, len(messages))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=20_000, help="messages per stage run (20000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is reported (3)")
    parser.add_argument("--out", default="bench/results/latest.md")
    args = parser.parse_args(argv)

    env = stack.up(start_services=False)
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    key_file = Path(env.get("RARELOG_HOME", ".")) / ".rarelog" / "bench.key"
    key_file.write_text(KEY.secret.hex())
    key_file.chmod(0o600)
    say(f"building {args.records:,} input messages per stage from a synthetic cohort…")
    inputs = stage_inputs(args.records)
    rows: list[tuple[str, float, str]] = []

    def repeat(label: str, fn) -> float:
        values = []
        for i in range(args.repeat):
            values.append(fn())
            say(f"  {label}: run {i + 1}/{args.repeat}: {values[-1]:,.0f}/s")
        return harness.median(values)

    say("raw baselines")
    sample = inputs["pseudonymizer"]
    with harness.run_topics(bootstrap) as prefix:
        produce_rate = repeat("kafka produce", lambda: harness.produce(bootstrap, prefix + INTAKE_RECORDS, sample))
        consume_rate = repeat("kafka consume", lambda: harness.consume_all(bootstrap, prefix + INTAKE_RECORDS, len(sample)))
    passthrough = repeat("transactional passthrough", lambda: measure_passthrough(env, sample))
    avro = {name: baselines.avro_rates([v for _, v in inputs[stage]])
            for name, stage in (("CanonicalRecord", "pseudonymizer"), ("PseudonymisedRecord", "reconciler"),
                                ("RecordLinked", "registry-store"))}
    copy_rate = repeat("postgres COPY", lambda: baselines.copy_rate(env["DATABASE_URL"], len(inputs["registry-store"])))
    rows += [("kafka produce (acks=all, idempotent)", produce_rate, ""),
             ("kafka consume (read_committed)", consume_rate, ""),
             ("kafka consume + produce in transactions (passthrough loop)", passthrough, "")]
    rows += [(f"fastavro encode / decode {name}", enc, f"decode {dec:,.0f}/s") for name, (enc, dec) in avro.items()]
    rows += [("postgres COPY of record rows", copy_rate, "")]

    say("stages")
    stage_rates = {}
    for stage, topic in STAGES:
        stage_rates[stage] = repeat(stage, lambda: measure_stage(env, stage, topic, inputs[stage], str(key_file)))
    baseline_of = {"ingest": ("passthrough", passthrough), "pseudonymizer": ("passthrough", passthrough),
                   "reconciler": ("passthrough", passthrough), "registry-store": ("COPY", copy_rate)}
    for stage, rate in stage_rates.items():
        name, base = baseline_of[stage]
        rows.append((f"stage {stage}", rate, f"{rate / base:.0%} of {name}"))

    report = render(rows, args)
    print(report)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(report)
    say(f"written to {args.out}")
    return 0


def render(rows: list[tuple[str, float, str]], args: argparse.Namespace) -> str:
    lines = [f"# rarelog benchmark — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC", "",
             f"Machine: {harness.machine()}.",
             f"Each figure is the median of {args.repeat} runs of {args.records:,} messages. Absolute figures "
             "depend on the machine and on what else runs on it; the ratios to the raw baselines measured in the "
             "same run are the comparison.", "",
             "| measurement | per second | ratio / note |", "|---|---:|---|"]
    lines += [f"| {name} | {rate:,.0f} | {note} |" for name, rate, note in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
