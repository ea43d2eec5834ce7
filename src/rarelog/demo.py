"""`make demo`: the whole platform on a synthetic cohort, from an empty machine to the views."""
from __future__ import annotations

import os
import sys
import time

from rarelog import stack
from rarelog.stack.paths import Paths
from rarelog.cohort.generator import CohortSpec, write
from rarelog.pipeline import StageProgress, wait_until_caught_up
from rarelog.submit import print_summary, submit_files
from rarelog.views import print_headline
from rarelog_registry_store.reference_store import load_centre_directory


def _show(stages: list[StageProgress]) -> None:
    line = "  ".join(f"{s.stage} {'done' if s.caught_up else f'{s.consumed:,}/{s.end:,}'}" for s in stages)
    sys.stderr.write(f"\r  waiting for the warehouse: {line}\033[K")
    sys.stderr.flush()


def run_demo(patients: int, centres: int, seed: int) -> int:
    env = stack.up(start_services=True)
    for name, value in env.items():
        os.environ.setdefault(name, value)
    out = Paths.discover().base / "demo" / "cohort.jsonl"
    print(f"\n1/3 generating a synthetic cohort: {patients:,} patients in {centres} centres (seed {seed})")
    write(CohortSpec(patients, centres, seed, invalid_share=0.01), out, sys.stderr)
    print("2/3 submitting it to the intake topic")
    started = time.monotonic()
    summary = submit_files([out], env["KAFKA_BOOTSTRAP_SERVERS"])
    print_summary(summary)
    print("3/3 waiting until every service has caught up")
    wait_until_caught_up(env["KAFKA_BOOTSTRAP_SERVERS"], env["DATABASE_URL"], timeout_s=900, on_progress=_show)
    sys.stderr.write("\n")
    # The generator wrote the centre directory beside the cohort; the views name centres and regions from it.
    load_centre_directory(env["DATABASE_URL"], out.parent / f"{out.name}.centres.csv")
    print(f"\n{summary.accepted:,} submissions went through the four services in {time.monotonic() - started:.1f} s "
          "(refused ones: 'rarelog rejects').\n")
    print_headline(env["DATABASE_URL"], "registry", "analytics", 10)
    return 0

