"""`make chaos`: the crash suite at full size.

    python -m tests.chaos [--records 50000] [--kills 3] [--seed 7]

Prints the report (and writes bench/results/chaos.md); exits 1 unless nothing was lost, nothing
duplicated and the warehouse equals the crash-free run's.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from rarelog import stack
from tests.chaos import scenario


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000, help="submissions in the load (50000)")
    parser.add_argument("--kills", type=int, default=3, help="SIGKILLs of each service (3)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", default="bench/results/chaos.md")
    args = parser.parse_args(argv)
    env = stack.up(start_services=False)
    with tempfile.TemporaryDirectory(prefix="rarelog-chaos-") as work:
        outcome = scenario.run(env, Path(work), records=args.records, kills=args.kills, seed=args.seed,
                               say=lambda text: print(text, file=sys.stderr, flush=True))
        text = scenario.report(outcome, args.records, args.kills, args.seed)
        if not outcome.ok:
            for name in ("reference", "chaos"):
                for log in sorted((Path(work) / name).glob("*.log")):
                    print(f"--- {name}/{log.name} (last lines)\n{log.read_text(errors='replace')[-2000:]}",
                          file=sys.stderr)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    sys.exit(main())
