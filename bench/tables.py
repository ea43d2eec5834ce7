"""The report's sections: one table each, with the verdicts of the targets. Pure: no I/O."""
from __future__ import annotations

import math

from .figures import (BASELINE_OF, MESSAGES, REPLAY, STAGE_SHARE, STAGES, SUSTAINED, Figures, latency_verdict,
                      replay_time)
from .report import Row, Section, rate, ratio, seconds, share


def baseline_rows(f: Figures) -> Section:
    s = Section("Raw baselines")
    for stage, k in f.kafka.items():
        s.rows.append(Row(f"Kafka produce, {MESSAGES[stage]} (avg {k.mean_bytes:,.0f} B; acks=all, idempotent)",
                          rate(k.produce), f"consume (read_committed) {rate(k.consume)}"))
    for stage, p in f.passthrough.items():
        s.rows.append(Row(f"Kafka consume + produce in transactions, {stage}'s messages (bench.passthrough)",
                          rate(p.rate), f"in {p.in_bytes:,.0f} B → {p.out_per_in:.1f} out of {p.out_bytes:,.0f} B avg"))
    for name, r in f.avro.items():
        s.rows.append(Row(f"fastavro encode {name} (schemaless_writer, branches named; per CPU second)",
                          rate(r["fastavro_encode"]),
                          f"kit encode {rate(r['kit_encode'])} = {share(ratio(r['kit_encode'], r['fastavro_encode']))}; "
                          f"fastavro left to find union branches {rate(r['fastavro_encode_unnamed'])}"))
        s.rows.append(Row(f"fastavro decode {name} (schemaless_reader; per CPU second)", rate(r["fastavro_decode"]),
                          f"kit decode {rate(r['kit_decode'])} = {share(ratio(r['kit_decode'], r['fastavro_decode']))}"))
    if not math.isnan(f.copy):
        s.rows.append(Row("PostgreSQL COPY of the warehouse's rows (record, diagnosis, clinical tables; keys, indexes)",
                          rate(f.copy, " events/s"), f"{f.rows_per_event:.1f} rows an event: "
                          f"{rate(f.copy * f.rows_per_event, ' rows/s')}"))
        s.rows.append(Row("raw sink: consume + kit decode + COPY of those rows, a transaction per 2,000 events",
                          rate(f.raw_sink, " events/s"), ""))
    s.notes.append("The kit's encode names each nullable record union's branch before fastavro writes; left to "
                   "itself fastavro finds a branch by validating the value against it, the whole sub-tree at "
                   "every level. That search is what the earlier table's ~1,900 encodes/s measured "
                   "(and its decode figure for patient events read every event type with RecordLinked's schema).")
    return s


def stage_rows(f: Figures) -> Section:
    s = Section("Stages (each alone, on its own input)")
    for stage in STAGES:
        if stage not in f.stages:
            continue
        value, base = f.stages[stage], f.baseline(stage)
        r = ratio(value, base)
        note = f"{share(r)} of {BASELINE_OF[stage]} ({rate(base)})"
        if stage == "registry-store":
            note += f"; {share(ratio(value, f.copy))} of COPY alone"
        verdict = STAGE_SHARE.verdict(r) if not math.isnan(r) else "not judged: " + (
            "too few messages to time" if math.isnan(value) else "baseline not run")
        s.rows.append(Row(f"{stage}", rate(value), note, verdict))
    s.notes.append("The reconciler runs with the shipped model marked as refitted (no EM refit: a new registry "
                   "refits at 2k–30k records only) and an index growing from empty; with 1.6 M patients indexed "
                   "its decide + add rate is in bench/results/linkage-scale.md.")
    return s


def e2e_rows(f: Figures) -> Section:
    s = Section("End to end (the four services at once)")
    e = f.e2e
    if e is None:
        return s
    s.rows.append(Row(f"sustained, {e.submissions:,} submissions → warehouse", rate(e.sustained),
                      f"cores {share(e.busy)} busy", SUSTAINED.verdict(e.sustained)))
    for lat in e.latency:
        at = f"at {lat.target_rate:,.0f}/s (achieved {lat.achieved_rate:,.0f}/s, {lat.records:,} records)"
        missing = f"; {lat.missing:,} not seen within 120 s" if lat.missing else ""
        s.rows.append(Row(f"latency submission → warehouse, p50 {at}", seconds(lat.p50),
                          f"cores {share(lat.busy)} busy"))
        s.rows.append(Row(f"latency submission → warehouse, p99 {at}", seconds(lat.p99), missing.lstrip("; "),
                          latency_verdict(e, lat)))
    cpu = ", ".join(f"{name} {v:.2f} s" for name, v in sorted(e.cpu_per_k.items(), key=lambda x: -x[1]))
    s.notes.append(f"CPU per 1,000 submissions while sustained: {cpu}. The broker and PostgreSQL serve whoever "
                   "else uses them at the time too.")
    return s


def replay_rows(f: Figures) -> Section:
    s = Section("Replay")
    r = f.replay
    if r is None:
        return s
    store, linkage = r.services.get("registry-store"), r.services.get("reconciler")
    if store:
        s.rows.append(Row(f"registry-store: warehouse from {r.events:,} patient events ({r.patients:,} patients)",
                          seconds(store.seconds),
                          f"{rate(store.items / store.seconds, ' events/s')}; read+decode+fold "
                          f"{store.detail['read_s']:.1f} s, write {store.detail['write_s']:.1f} s "
                          f"({store.detail['rows']:,} rows); peak {store.peak_mb:,.0f} MB"))
    if linkage:
        s.rows.append(Row(f"reconciler: linkage state from {linkage.items:,} changelog entries",
                          seconds(linkage.seconds),
                          f"{rate(linkage.items / linkage.seconds, ' entries/s')}; {linkage.detail['records']:,} "
                          f"records; peak {linkage.peak_mb:,.0f} MB"))
    total, how = replay_time(r)
    s.rows.append(Row("full replay, both services one after the other, at 1.6 M patients",
                      f"{total / 60:,.1f} min", how, REPLAY.verdict(total, "extrapolated" if how else "")))
    s.notes.append("ingest and the pseudonymizer hold no state: nothing of theirs to replay. Peak memory is the "
                   "rebuilding process's peak resident set (VmHWM; PostgreSQL's own memory is not in it). "
                   + (f"Median of {r.runs} runs." if r.runs > 1 else "One run (--replay-repeat for more)."))
    return s
