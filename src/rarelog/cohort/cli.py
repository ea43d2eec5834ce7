"""`rarelog generate`: its arguments, help text and run function (wired by rarelog.cli)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .generator import CohortSpec, write

DESCRIPTION = ("Write a deterministic synthetic cohort as JSON Lines of submissions, and its ground truth "
               "(OUT.truth.csv: centre, local record id, true patient). About a quarter of patients are "
               "followed in 2-3 centres. --invalid-share spoils that share of submissions.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, required=True)
    parser.add_argument("--centres", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--invalid-share", type=float, default=0.0)
    parser.add_argument("--out", required=True)


def run(args: argparse.Namespace) -> int:
    spec = CohortSpec(args.patients, args.centres, args.seed, invalid_share=args.invalid_share)
    summary = write(spec, Path(args.out), sys.stderr)
    print(f"wrote {summary['submissions']:,} submissions to {args.out} (ground truth: {args.out}.truth.csv)")
    return 0
