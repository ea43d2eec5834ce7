"""`make bench`: raw baselines, each stage beside the baseline that bounds it, the pipeline end to
end, and the replay of a large registry; printed and written to bench/results/latest.md.

    python -m bench [--quick] [--full] [--repeat R] [--records N] [--replay-patients P] …
    python -m bench --profile STAGE     (ingest, pseudonymizer, reconciler, registry-store, replay)

Absolute figures depend on the machine; compare the ratios. Generated data is cached in
.rarelog/cache/bench/ (a rerun of the same sizes reads it back).
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from rarelog import stack

from . import harness, profiling, replay_data
from .data import workload
from .measure import Run
from .report import WARNING, render
from .figures import NATIONAL, STAGES, Figures
from .findings import findings
from .tables import baseline_rows, e2e_rows, replay_rows, stage_rows

PARTS = ("baselines", "stages", "e2e", "replay")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=20_000, help="messages per stage run (20000)")
    p.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is reported (3)")
    p.add_argument("--e2e-submissions", type=int, default=10_000, help="submissions of the sustained run (10000)")
    p.add_argument("--latency-seconds", type=float, default=20, help="length of the latency run (20)")
    p.add_argument("--replay-patients", type=int, default=200_000, help="patients of the replayed registry (200000)")
    p.add_argument("--replay-repeat", type=int, default=1, help="replay runs (1: a replay takes minutes)")
    p.add_argument("--full", action="store_true", help="replay the national size, 1.6 M patients")
    p.add_argument("--quick", action="store_true", help="small sizes, one run each: for development")
    p.add_argument("--only", action="append", choices=PARTS, help="run only these parts (repeatable)")
    p.add_argument("--profile", choices=(*STAGES, "replay"), help="print where a stage's (or the replay's) "
                   "time goes, from cProfile, and stop")
    p.add_argument("--out", default="bench/results/latest.md")
    args = p.parse_args(argv)
    if args.quick:
        args.records, args.repeat, args.e2e_submissions = 6_000, 1, 2_000  # 3 of the sink's batches
        args.latency_seconds, args.replay_patients = 5, 5_000
    if args.full:
        args.replay_patients = NATIONAL
    return args


def profile_only(run: Run, args: argparse.Namespace) -> int:
    if args.profile == "replay":
        for name, summary in run.profile_replay(replay_data.registry(args.replay_patients)).items():
            print(f"\n## replay {name} ({run.figures.profile_sizes['replay ' + name]})\n")
            print(profiling.table(summary))
    else:
        print(f"\n## {args.profile} ({args.records:,} messages)\n")
        print(profiling.table(run.profile_stage(args.profile)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    parts = tuple(args.only or PARTS)
    env = stack.up(start_services=False)
    # The latency run takes up to as many submissions again after the sustained run's.
    work = workload(max(args.records, 200 + 2 * args.e2e_submissions))
    figures = Figures(args.records, args.repeat, poll_timeout_s=float(os.environ.get("RARELOG_POLL_TIMEOUT_S", 0.5)),
                      cores=os.cpu_count() or 1)
    run = Run(env, work, figures, args)
    try:
        if args.profile:
            return profile_only(run, args)
        if "baselines" in parts:
            run.baselines()
        if "stages" in parts:
            run.stages()
        if "e2e" in parts:
            run.e2e()
        if "replay" in parts:
            run.replay(replay_data.registry(args.replay_patients))
        run.profile_misses()
    finally:
        shutil.rmtree(run.files.folder, ignore_errors=True)
    text = report(run.figures, args)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    say(f"written to {args.out}")
    return 0


def report(f: Figures, args: argparse.Namespace) -> str:
    sections = [s for s in (baseline_rows(f), stage_rows(f), e2e_rows(f), replay_rows(f)) if s.rows]
    preamble = [f"Machine: {harness.machine()}.", "",
                f"**{WARNING}**", "",
                f"Each figure is the median of {f.repeat} run{'s' if f.repeat > 1 else ''}; stage runs and "
                f"baselines use {f.records:,} messages, the sustained end-to-end run {args.e2e_submissions:,} "
                f"submissions. `{' '.join(['python -m bench', *sys.argv[1:]])}`"]
    title = f"rarelog benchmark — {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
    return render(title, preamble, sections, findings(f))


if __name__ == "__main__":
    sys.exit(main())
