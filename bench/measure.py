"""The measurements of one bench run, in order, each repeated and reduced to its median."""
from __future__ import annotations

import argparse
import sys
from typing import Callable

from rarelog_kit.serde import AvroCatalog

from . import baselines, e2e, harness, profiling, replay
from .data import CATALOG, STAGE_TOPICS, StageData, Workload, mean_bytes
from .figures import (E2E, LATENCY_RATE, STAGES, SUSTAINED, Figures, Kafka, LatencyFigures, Passthrough, Rebuild,
                      Replay)
from .findings import findings, heaviest_stage
from .replay_data import Registry
from .report import median, percentile
from .stages import Files, measure_passthrough, measure_raw_sink, measure_stage

AVRO = {"CanonicalRecord": "pseudonymizer", "PseudonymisedRecord": "reconciler", "RecordLinked": "registry-store",
        "LinkageIndexEntry": "reconciler"}
AVRO_SAMPLE = 5_000  # records of each schema: a per-record cost needs no more


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


class Run:
    def __init__(self, env: dict, work: Workload, figures: Figures, args: argparse.Namespace) -> None:
        self.env, self.args, self.figures = env, args, figures
        self.bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        self.files = Files.make()
        self.work = work
        n = args.records
        self.data = {s: StageData(d.inputs[:n], d.outputs[:n]) for s, d in work.stages.items()}
        self.registry: Registry | None = None  # the replayed one, for its profile

    def repeat(self, label: str, fn: Callable[[], float]) -> float:
        values = []
        for i in range(self.args.repeat):
            values.append(fn())
            say(f"  {label}: run {i + 1}/{self.args.repeat}: {values[-1]:,.0f}/s")
        return median(values)

    # -- raw baselines -------------------------------------------------------------------------
    def baselines(self) -> None:
        f = self.figures
        say("raw baselines")
        for stage in STAGES:
            messages = self.data[stage].inputs
            with harness.run_topics(self.bootstrap) as prefix:
                topic = prefix + STAGE_TOPICS[stage]
                produce = self.repeat(f"kafka produce {stage}", lambda: harness.produce(self.bootstrap, topic, messages))
                consume = self.repeat(f"kafka consume {stage}",
                                      lambda: harness.consume_all(self.bootstrap, topic, len(messages) * self.args.repeat))
                f.kafka[stage] = Kafka(produce, consume, mean_bytes(messages))
        for name, stage in AVRO.items():
            values = self._values_of(name, stage)
            f.avro[name] = baselines.avro_rates(CATALOG, name, values, rounds=max(3, self.args.repeat))
            say(f"  avro {name}: " + ", ".join(f"{k} {v:,.0f}/s" for k, v in f.avro[name].items()))
        for stage in STAGES[:3]:
            data = self.data[stage]
            outs = [o for per in data.outputs for o in per]
            f.passthrough[stage] = Passthrough(
                self.repeat(f"passthrough {stage}", lambda: measure_passthrough(self.env, self.files, stage, data)),
                mean_bytes(data.inputs), len(outs) / len(data.inputs),
                sum(len(v or b"") for _, _, v in outs) / max(len(outs), 1))
        rows = baselines.distinct_records(self.data["registry-store"].outputs)
        f.rows_per_event = sum(len(r) for r in rows) / len(rows)
        with baselines.warehouse_tables(self.env["DATABASE_URL"]) as schema:
            f.copy = self.repeat("postgres COPY", lambda: baselines.copy_rate(self.env["DATABASE_URL"], schema, rows))
            f.raw_sink = self.repeat("raw sink", lambda: measure_raw_sink(
                self.env, schema, self.data["registry-store"], AvroCatalog()))

    def _values_of(self, name: str, stage: str) -> list[bytes]:
        """The messages of that schema among the stage's inputs (or, for the changelog's entries
        with an encoding, its outputs)."""
        if name == "LinkageIndexEntry":
            values = [v for per in self.data[stage].outputs for t, k, v in per
                      if k.startswith(b"encoding:") and v is not None]
        else:
            values = [v for _, v in self.data[stage].inputs]
        return [v for v in values if CATALOG.decode(v).schema_name == name][:AVRO_SAMPLE]

    # -- stages ----------------------------------------------------------------------------------
    def stages(self) -> None:
        say("stages")
        for stage in STAGES:
            self.figures.stages[stage] = self.repeat(
                stage, lambda: measure_stage(self.env, self.files, stage, self.data[stage]))

    def profile_stage(self, stage: str) -> profiling.Summary:
        path = str(self.files.folder / f"{stage}.prof")
        say(f"profiling {stage} ({len(self.data[stage].inputs):,} messages, under cProfile)")
        measure_stage(self.env, self.files, stage, self.data[stage], profile_to=path)
        summary = profiling.load(path)
        self.figures.profiles[stage] = summary
        self.figures.profile_sizes[stage] = f"a run of {len(self.data[stage].inputs):,} messages"
        return summary

    # -- end to end ------------------------------------------------------------------------------
    def e2e(self) -> None:
        say("end to end")
        inputs, keys = self.work.stages["ingest"].inputs, self.work.record_keys
        runs = []
        for i in range(self.args.repeat):
            r = e2e.run(self.env, self.files, inputs, keys, self.args.e2e_submissions, self.args.latency_seconds,
                        LATENCY_RATE)
            runs.append(r)
            say(f"  run {i + 1}/{self.args.repeat}: sustained {r.sustained:,.0f}/s; latency " + "; ".join(
                f"at {p.achieved_rate:,.0f}/s p50 {percentile(p.seconds, 50):.2f} s p99 {percentile(p.seconds, 99):.2f} s"
                for p in r.latency))
        phases = []
        for j in range(min(len(r.latency) for r in runs)):
            at = [r.latency[j] for r in runs]
            phases.append(LatencyFigures(median([p.target_rate for p in at]), median([p.achieved_rate for p in at]),
                                         median([percentile(p.seconds, 50) for p in at]),
                                         median([percentile(p.seconds, 99) for p in at]),
                                         int(median([len(p.seconds) for p in at])), max(p.missing for p in at),
                                         median([p.busy for p in at])))
        cpu = {name: median([r.cpu.get(name, 0.0) for r in runs]) for name in runs[0].cpu}
        self.figures.e2e = E2E(median([r.sustained for r in runs]), self.args.e2e_submissions,
                               median([r.busy for r in runs]), cpu, phases)

    # -- replay ----------------------------------------------------------------------------------
    def replay(self, registry: Registry) -> None:
        say(f"replay of {registry.patients:,} patients")
        runs = []
        for i in range(self.args.replay_repeat):
            runs.append(replay.run(self.env, registry))
            say(f"  run {i + 1}: " + ", ".join(f"{k} {v.seconds:.1f} s, {v.peak_mb:,.0f} MB" for k, v in runs[-1].items()))
        services = {}
        for name in runs[0]:
            middle = sorted((r[name] for r in runs), key=lambda x: x.seconds)[len(runs) // 2]
            services[name] = Rebuild(middle.seconds, middle.peak_mb, middle.items, middle.detail)
        self.figures.replay = Replay(registry.patients, registry.events, registry.entries, services, len(runs))
        self.registry = registry

    def profile_replay(self, registry: Registry) -> dict[str, profiling.Summary]:
        # a tenth of the registry (at least 20,000 events): the shape of the time, not the time
        events = min(registry.events, max(20_000, registry.events // 10))
        say(f"profiling the replay on its first {events:,} patient events (under cProfile)")
        out = replay.profile(self.env, registry, events, self.files.folder)
        sizes = {"registry-store": f"a replay of the first {events:,} events",
                 "reconciler": f"a rebuild from the first {3 * events:,} changelog entries"}
        for name, summary in out.items():
            self.figures.profiles[f"replay {name}"] = summary
            self.figures.profile_sizes[f"replay {name}"] = sizes[name]
        return out

    # -- profiles for the findings ---------------------------------------------------------------
    def profile_misses(self) -> None:
        """A profile of each stage that misses its target, of the stage the end-to-end run spent
        most CPU in when it misses its own, and of the replay when it misses: the report's
        findings name the bottleneck from them."""
        f = self.figures
        wanted = {line.split("**")[1] for line in findings(f)}
        todo = {s for s in STAGES if s in wanted}
        if f.e2e is not None and not SUSTAINED.met(f.e2e.sustained) and heaviest_stage(f.e2e):
            todo.add(heaviest_stage(f.e2e))
        for stage in STAGES:
            if stage in todo:
                self.profile_stage(stage)
        if "replay" in wanted and self.registry is not None:
            self.profile_replay(self.registry)
