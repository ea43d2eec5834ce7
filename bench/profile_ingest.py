"""Ingest's in-process rate on realistic submissions, and where the time goes.

Run from the repository root:
    PYTHONPATH=. .venv/bin/python -m bench.profile_ingest [N] [--no-profile] [--received-ms=MS]
Prints submissions per second (median of 3 timed passes over the same N messages, after one
warm-up pass) and the top of a cProfile of one more pass.

The messages are received at MS (default 1780000000000, 2026-05-28 in Paris). The cohort runs
until 2026-06-01, so about an eighth of its submissions then hold a date in the future and are
refused; --received-ms=1780300000000 (2026-06-01) makes every submission a valid one.
"""
from __future__ import annotations

import cProfile
import pstats
import statistics
import sys
import time

from bench.data import CATALOG, workload
from rarelog_ingest.entrypoint import IngestProcessor
from rarelog_kit.messages import Inbound


def main(argv: list[str]) -> None:
    count = int(next((a for a in argv if a.isdigit()), "2000"))
    received_ms = int(next((a.split("=", 1)[1] for a in argv if a.startswith("--received-ms=")), "1780000000000"))
    inputs = workload(count).stages["ingest"].inputs
    processor = IngestProcessor(CATALOG, "out", "dlq", 262_144)
    messages = [Inbound("in", 0, i, k, v, received_ms) for i, (k, v) in enumerate(inputs)]

    def run() -> int:
        accepted = 0
        for message in messages:
            (out,) = processor.process(message)
            accepted += out.topic == "out"
        return accepted

    accepted = run()  # warm-up: caches, compiled validators
    rates = []
    for _ in range(3):
        start = time.perf_counter()
        run()
        rates.append(len(messages) / (time.perf_counter() - start))
    print(f"{len(messages)} submissions, {accepted} accepted; "
          f"{statistics.median(rates):,.0f}/s (median of {', '.join(f'{r:,.0f}' for r in rates)})")
    if "--no-profile" not in argv:
        profile = cProfile.Profile()
        profile.runcall(run)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    main(sys.argv[1:])
