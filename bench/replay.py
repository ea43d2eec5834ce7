"""Replay of a large registry, per service that holds state (ingest and the pseudonymizer hold
none: there is nothing of theirs to rebuild):

- registry-store: the warehouse rebuilt from the patient events (`rarelog replay`'s bulk path:
  read, decode, fold, COPY, patient rows; migrations included);
- reconciler: its linkage state rebuilt from the whole changelog, as on a start without a
  checkpoint (read, decode, bulk add to the index).
Each runs in a child process of its own, which reports its time and its peak resident memory
(VmHWM): `python -m bench.replay registry-store|reconciler TOPIC [SCHEMA]`.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PATIENT_EVENTS, RECONCILER_CHANGELOG
from rarelog_reconciler import changelog
from rarelog_reconciler.state import LinkageState
from rarelog_registry_store.replay import Progress, replay

from . import harness, profiling
from .replay_data import Registry, read_frames
from .stages import drop_warehouse, warehouse_schema

ROOTS = (("replay.py", "rebuild_warehouse"), ("replay.py", "rebuild_linkage"))


@dataclass
class Rebuilt:
    seconds: float
    peak_mb: float
    items: int             # events read, or changelog entries read
    detail: dict


def rebuild_warehouse(bootstrap: str, database_url: str, topic: str, schema: str, catalog: AvroCatalog) -> dict:
    result = replay(database_url, {"bootstrap.servers": bootstrap}, topic, schema, schema + "_views",
                    group="bench-replay", progress=Progress(None), catalog=catalog)
    return {"items": result.events, "rows": result.rows, "read_s": result.read_seconds,
            "write_s": result.write_seconds}


def rebuild_linkage(bootstrap: str, topic: str, catalog: AvroCatalog) -> dict:
    state, read = changelog.load(catalog, {"bootstrap.servers": bootstrap}, topic, LinkageState(), None)
    summary = state.summary()
    return {"items": read, "records": summary["records"], "patients": summary["patients"]}


def peak_rss_kb() -> int:
    """This process's peak resident memory. Not ru_maxrss: Linux carries it across exec, so a child
    started by a big parent reports the parent's peak; VmHWM belongs to the new image alone."""
    with open("/proc/self/status") as status:
        found = next((int(line.split()[1]) for line in status if line.startswith("VmHWM:")), None)
    return found if found is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(argv: list[str]) -> int:
    """In the child: one rebuild, then a JSON line on stdout."""
    env = os.environ  # the parent's connection settings
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    service, topic = argv[0], argv[1]
    catalog = AvroCatalog()  # made when the service starts, before its rebuild
    start = time.monotonic()
    if service == "registry-store":
        detail = rebuild_warehouse(bootstrap, env["DATABASE_URL"], topic, argv[2], catalog)
    else:
        detail = rebuild_linkage(bootstrap, topic, catalog)
    seconds = time.monotonic() - start
    print(json.dumps({"seconds": seconds, "peak_mb": peak_rss_kb() / 1024, **detail}))
    return 0


def _run_child(args: list[str], env: dict, profile_to: str | None = None) -> Rebuilt:
    profiler = ["-m", "cProfile", "-o", profile_to] if profile_to else []
    done = subprocess.run([sys.executable, *profiler, "-m", "bench.replay", *args], env={**env},
                          capture_output=True, text=True, timeout=6 * 3600)
    if done.returncode != 0:
        raise RuntimeError(f"replay of {args[0]} failed: {done.stderr[-2000:]}")
    out = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    return Rebuilt(out.pop("seconds"), out.pop("peak_mb"), out.pop("items"), out)


def _load(bootstrap: str, prefix: str, registry: Registry, limit: int | None = None) -> None:
    harness.produce(bootstrap, prefix + PATIENT_EVENTS, read_frames(registry.events_file, limit))
    harness.produce(bootstrap, prefix + RECONCILER_CHANGELOG,
                    read_frames(registry.changelog_file, None if limit is None else 3 * limit))


def run(env: dict, registry: Registry) -> dict[str, Rebuilt]:
    """Both rebuilds, one after the other, on topics loaded from the cached logs."""
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    child_env = {**os.environ, **env}
    with harness.run_topics(bootstrap) as prefix:
        print(f"loading {registry.events:,} patient events and {registry.entries:,} changelog entries…",
              file=sys.stderr, flush=True)
        _load(bootstrap, prefix, registry)
        schema = warehouse_schema(prefix)
        try:
            store = _run_child(["registry-store", prefix + PATIENT_EVENTS, schema], child_env)
        finally:
            drop_warehouse(env["DATABASE_URL"], prefix)
        linkage = _run_child(["reconciler", prefix + RECONCILER_CHANGELOG], child_env)
    return {"registry-store": store, "reconciler": linkage}


def profile(env: dict, registry: Registry, events: int, folder: Path) -> dict[str, profiling.Summary]:
    """Both rebuilds under cProfile, on the first `events` patient events (and about as many
    records' changelog entries): where a full replay's time goes, without timing the full one twice."""
    bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
    child_env = {**os.environ, **env}
    out = {}
    with harness.run_topics(bootstrap) as prefix:
        _load(bootstrap, prefix, registry, events)
        schema = warehouse_schema(prefix)
        try:
            path = str(folder / "replay-registry-store.prof")
            _run_child(["registry-store", prefix + PATIENT_EVENTS, schema], child_env, path)
            out["registry-store"] = profiling.load(path, ROOTS)
        finally:
            drop_warehouse(env["DATABASE_URL"], prefix)
        path = str(folder / "replay-reconciler.prof")
        _run_child(["reconciler", prefix + RECONCILER_CHANGELOG], child_env, path)
        out["reconciler"] = profiling.load(path, ROOTS)
    return out


if __name__ == "__main__":
    sys.exit(child(sys.argv[1:]))
