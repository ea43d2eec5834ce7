"""`rarelog deaths eval`: precision and recall of the death matching on a generated file.

Everything runs in this process with the services' own code and no broker: the cohort's
submissions go through ingest's JSON reading, the pseudonymizer and the reconciler's decisions
(in order, refits included) to build the registry's linkage state; then each line of an INSEE
file generated for that cohort is read, pseudonymised and matched as `rarelog deaths import`
and the reconciler would. The ground truth says which patient each line is.

A match is correct when the record it names is one of the line's true patient (a person the
registry holds as two patients is still the right person). Precision: correct matches over all matches; recall:
correct matches over the file's distinct deaths of registry patients.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

from rarelog.cohort.generator import CohortSpec, generate
from rarelog_ingest.domain import from_json
from rarelog_pseudonymizer.deaths import pseudonymise_death
from rarelog_pseudonymizer.domain import pseudonymise
from rarelog_pseudonymizer.keys import KeyRing, PseudonymKey
from rarelog_reconciler import deaths as matching
from rarelog_reconciler.domain import reconcile_next
from rarelog_reconciler.state import LinkageState

from .generate import DeathFileSpec, lines
from .importer import identity_of
from .insee import LineProblem, parse_line

EVAL_KEY = PseudonymKey(hashlib.sha256(b"rarelog death matching evaluation key (not a secret)").digest())


def build_registry(spec: CohortSpec, ring: KeyRing, out=sys.stderr) -> tuple[LinkageState, dict[str, int]]:
    """The reconciler's state after the whole cohort, and each record key's true patient."""
    state = LinkageState()
    truth_of_record: dict[str, int] = {}
    began = time.monotonic()
    for n, g in enumerate(generate(spec), 1):
        s = from_json(json.loads(json.dumps(g.submission)))  # it converts dates in place: the generator reuses them
        canonical = {"received_at": 0, "operation": s["operation"], "centre_id": s["centre_id"],
                     "local_record_id": s["local_record_id"], "record": s["record"]}
        record = pseudonymise(ring, canonical, f"eval/{n}")
        reconcile_next(state, record)
        truth_of_record[record["record_key"]] = g.patient
        if n % 5000 == 0:
            out.write(f"\r  registry: {n:,} records ({n / (time.monotonic() - began):,.0f}/s)\033[K")
            out.flush()
    out.write(f"\r  registry: {len(truth_of_record):,} records, {state.summary()['patients']:,} patients\033[K\n")
    return state, truth_of_record


def evaluate(patients: int, lines_: int, *, centres: int = 20, seed: int = 1,
             params: matching.DeathMatching = matching.DeathMatching(), out=sys.stderr) -> dict:
    ring = KeyRing(EVAL_KEY)
    started = time.monotonic()
    state, true_patient_of_record = build_registry(CohortSpec(patients, centres, seed), ring, out)
    built = time.monotonic() - started
    counts: Counter = Counter()
    by_step: Counter = Counter()
    wrong_by_step: Counter = Counter()
    missed_variations: Counter = Counter()
    variations: Counter = Counter()
    wrong_kinds: Counter = Counter()
    seen_lines: set[str] = set()
    began = time.monotonic()
    for n, line in enumerate(lines(DeathFileSpec(patients, centres, seed, 1, lines_)), 1):
        truth = line.truth
        if line.text in seen_lines:
            counts["duplicates"] += 1
            continue
        seen_lines.add(line.text)
        parsed = parse_line(line.text, n)
        if type(parsed) is LineProblem or parsed.death_date.year is None:
            counts["unreadable"] += 1
            continue
        counts["deaths"] += 1
        true = truth.get("patient")
        counts["patient_deaths"] += true is not None
        for v in truth.get("variations", ()) if true is not None else ():
            variations[v] += 1
        identity, death = identity_of(parsed)
        value = pseudonymise_death(ring, identity, death, event_id=f"eval-death/{n}", import_id="eval", received_at=0)
        outcome = matching.verify_death(state, value, params)
        report = outcome.reports[0][1]
        if report["outcome"] == "unmatched":
            if true is not None:
                counts["missed"] += 1
                for v in truth.get("variations", ()) or ("none",):
                    missed_variations[v] += 1
            continue
        counts["matched"] += 1
        step = report["match_step"]
        by_step[step] += 1
        event = outcome.events[0][1] if outcome.events else None
        record = event["record_key"] if event else None
        if record is not None and true is not None and true_patient_of_record.get(record) == true:
            counts["correct"] += 1
        elif event is not None:
            wrong_by_step[step] += 1
            wrong_kinds["namesake" if "namesake_of" in truth else "stranger" if true is None else "other patient"] += 1
        else:
            counts["repeat"] += 1  # already verified for the patient: neither right nor wrong
        if n % 10000 == 0:
            out.write(f"\r  deaths: {n:,} lines ({n / (time.monotonic() - began):,.0f}/s)\033[K")
            out.flush()
    out.write("\n")
    scored = counts["matched"] - counts["repeat"]
    return {"patients": patients, "lines": lines_, "seed": seed, "registry_build_s": round(built, 1),
            "matching_s": round(time.monotonic() - began, 1),
            "precision": counts["correct"] / scored if scored else 1.0,
            "recall": counts["correct"] / counts["patient_deaths"] if counts["patient_deaths"] else 1.0,
            "counts": dict(counts), "by_step": dict(by_step), "wrong_by_step": dict(wrong_by_step),
            "wrong_kinds": dict(wrong_kinds), "variations": dict(variations),
            "missed_by_variation": dict(missed_variations)}


def format_report(r: dict) -> str:
    c = r["counts"]
    out = [f"death matching: {r['lines']:,} lines for a cohort of {r['patients']:,} patients (seed {r['seed']})",
           f"  precision {r['precision']:.4f}   recall {r['recall']:.4f}",
           f"  distinct readable deaths {c.get('deaths', 0):,}, of registry patients {c.get('patient_deaths', 0):,}; "
           f"matched {c.get('matched', 0):,} (correct {c.get('correct', 0):,}), missed {c.get('missed', 0):,}",
           "  by step: " + ", ".join(f"{s} {r['by_step'].get(s, 0):,} (wrong {r['wrong_by_step'].get(s, 0)})"
                                     for s in matching.STEPS),
           "  wrong matches: " + (", ".join(f"{k} {v}" for k, v in r["wrong_kinds"].items()) or "none"),
           "  recall by variation: " + ", ".join(
               f"{v} {1 - r['missed_by_variation'].get(v, 0) / n:.3f} of {n}" for v, n in sorted(r["variations"].items())),
           f"  time: registry {r['registry_build_s']} s, matching {r['matching_s']} s"]
    return "\n".join(out)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, default=60_000, help="cohort size (default 60000)")
    parser.add_argument("--lines", type=int, default=100_000, help="lines of the INSEE file (default 100000)")
    parser.add_argument("--centres", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")


def run(args: argparse.Namespace) -> int:
    result = evaluate(args.patients, args.lines, centres=args.centres, seed=args.seed)
    print(format_report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return 0
