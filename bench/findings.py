"""One line per missed target, naming the bottleneck from the profiles and CPU accounts taken.
Pure: no I/O."""
from __future__ import annotations

import math

from .figures import (E2E, LATENCY_P99, LATENCY_RATE, NATIONAL, REPLAY, STAGE_SHARE, STAGES, SUSTAINED, Figures,
                      latency_verdict, replay_time)
from .report import rate, ratio, seconds, share

MACHINE = "machine (all processes)"


def findings(f: Figures) -> list[str]:
    out = [line for stage in STAGES if (line := _stage(f, stage))]
    if f.e2e is not None:
        out += [line for line in (_sustained(f, f.e2e), _latency(f, f.e2e)) if line]
    if f.replay is not None and (line := _replay(f)):
        out.append(line)
    return out


def _profiled(f: Figures, name: str) -> str:
    p = f.profiles.get(name)
    return f" cProfile of {name} ({f.profile_sizes.get(name, '')}): {p.one_line()}." if p else ""


def _stage(f: Figures, stage: str) -> str:
    value, base = f.stages.get(stage, math.nan), f.baseline(stage)
    r = ratio(value, base)
    if math.isnan(r) or STAGE_SHARE.met(r):
        return ""
    return (f"**{stage}** at {share(r)} of its baseline ({rate(value)} vs {rate(base)}): its own work, not the "
            f"Kafka/PostgreSQL work, sets the pace.{_profiled(f, stage)}")


def heaviest_stage(e: E2E) -> str | None:
    """The service that used most CPU per submission while the pipeline ran flat out."""
    services = {k: v for k, v in e.cpu_per_k.items() if k in STAGES}
    return max(services, key=services.get) if services else None


def pipeline_cpu_per_k(e: E2E) -> float:
    """CPU seconds per 1,000 submissions of the pipeline itself: the four services, the broker and
    PostgreSQL (the machine's total also holds the bench's producer and other users' work)."""
    return sum(v for k, v in e.cpu_per_k.items() if k != MACHINE)


def _sustained(f: Figures, e: E2E) -> str:
    if SUSTAINED.met(e.sustained):
        return ""
    own = pipeline_cpu_per_k(e)
    line = (f"**end to end** {rate(e.sustained)}: the cores were {share(e.busy)} busy"
            + (" (CPU-bound)" if e.busy >= 0.9 else " (not saturated: part of the time the services wait on "
               "batches and commits)")
            + f"; the pipeline itself (services, broker, PostgreSQL) spent {own:.2f} CPU s per 1,000 submissions, "
              f"so {f.cores} cores carry at most ~{rate(1000 * f.cores / own if own else math.nan)}; "
              f"{SUSTAINED.text} needs ≤ {1000 * f.cores / SUSTAINED.bound:.2f} s per 1,000")
    heaviest = heaviest_stage(e)
    if heaviest:
        line += (f". The service using most is **{heaviest}** ({e.cpu_per_k[heaviest]:.2f} s per 1,000; alone it "
                 f"runs at {rate(f.stages.get(heaviest, math.nan))})")
    if f.stages:
        slowest = min(f.stages, key=f.stages.get)
        line += f"; slowest stage alone: {slowest} {rate(f.stages[slowest])}"
    return line + "." + (_profiled(f, heaviest) if heaviest else "")


def _latency(f: Figures, e: E2E) -> str:
    if not any("NOT" in latency_verdict(e, lat) for lat in e.latency):
        return ""
    if e.sustained < LATENCY_RATE:
        line = (f"**latency at 2,500/s**: not reachable — the pipeline sustains {rate(e.sustained)} (above), so at "
                "2,500/s the backlog, and the latency, grow without bound.")
    else:
        at = next(lat for lat in e.latency if "NOT" in latency_verdict(e, lat))
        line = f"**latency** p99 {seconds(at.p99)} at {rate(at.achieved_rate)} (cores {share(at.busy)} busy)."
    slow = next((x for x in e.latency if x.p99 >= LATENCY_P99.bound), None)
    if slow is not None:
        line += (f" Even at {rate(slow.achieved_rate)} the p99 is {seconds(slow.p99)} (p50 {seconds(slow.p50)}, "
                 f"cores {share(slow.busy)} busy meanwhile, other users included). Part of it is by construction "
                 "(from the loops' code, not a profile: CPU profiles do not show waiting): when input trickles, "
                 "each service's consume(batch size, poll timeout) waits up to RARELOG_POLL_TIMEOUT_S "
                 f"({f.poll_timeout_s:g} s in this run) for its batch to fill, four services in a row, up to "
                 f"{4 * f.poll_timeout_s:g} s, and a batch is visible downstream only once its transaction has "
                 "committed; the rest is the batches' processing and queueing on the shared cores.")
    return line


def _replay(f: Figures) -> str:
    r = f.replay
    total, how = replay_time(r)
    if REPLAY.met(total):
        return ""
    scale = NATIONAL / r.patients if how else 1
    parts = ", ".join(f"{name} {x.seconds * scale / 60:.1f} min" for name, x in r.services.items())
    line = f"**replay** {total / 60:.1f} min at 1.6 M ({parts}{'; ' + how if how else ''})."
    store = r.services.get("registry-store")
    if store:
        line += (f" At {r.patients:,} patients registry-store spends {store.detail['read_s']:.0f} s reading, "
                 f"decoding and folding and {store.detail['write_s']:.0f} s writing.")
    return line + _profiled(f, "replay registry-store") + _profiled(f, "replay reconciler")
