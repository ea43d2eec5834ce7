"""`rarelog generate`: its arguments, help text and run function (wired by rarelog.cli). The help
text is built from the same constants the generator uses, and a test checks a generated cohort
against each stated rate."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import params as P
from .errors import ERROR_KINDS
from .generator import CohortSpec, write


def _description() -> str:
    counts = ", ".join(f"{n}: {w / sum(x for _, x in P.MULTI_CENTRE_COUNTS):.0%}" for n, w in P.MULTI_CENTRE_COUNTS)
    errors = "\n".join(f"    {k.name:<24} {k.rate:>5.1%}  {k.label}" for k in ERROR_KINDS)
    return f"""\
Write a deterministic synthetic national cohort (same seed, same bytes):
  OUT            JSON Lines, one SDM-MR submission (UPSERT) per line, in the JSON shape ingest
                 accepts (partial dates as YYYY, YYYY-MM or YYYY-MM-DD)
  OUT.truth.csv  centre_id, local_record_id, true_patient, traits (person or foetus), copy (0 for
                 the patient's first record), errors (';'-separated identity errors, invalid:<code>)
  OUT.centres.csv  the centre directory: centre_id, name, finess (FINESS-like), departement
                 (drawn from the seed, mostly university-hospital cities)

Duplicates: {P.MULTI_CENTRE_SHARE:.0%} of patients are followed in 2 to 4 centres ({counts}),
  {P.mean_records_per_patient():.3f} records per patient on average. A patient's first record carries the true
  identity; each further record gets each error kind independently, at these rates of the further
  records where it can apply:
{errors}
Diagnoses: {P.UNDIAGNOSED_SHARE:.0%} of patients undiagnosed, coded ORPHA:616874 (CEMARA reported 45.6 %), of
  them {P.UNDIAGNOSED_ONGOING:.0%} still under investigation (ONGOING), the rest a diagnostic dead-end
  (UNDETERMINED); of the diagnosed, {P.PROBABLE_SHARE:.0%} PROBABLE, the others CONFIRMED. ORPHAcodes are the active
  codes of the shipped Orphanet extract, a few frequent ones then a Zipf-like tail.
Deaths: {P.DEATH_SHARE:.0%} of persons died ({P.DEATH_DUE_TO_DISEASE:.0%} of them of the rare disease); about half the
  foetuses.
Also: about {P.PAEDIATRIC_SHARE:.0%} children (the share follows each disorder's usual onset); {P.FOETUS_SHARE:.1%} foetus
  records, identified by the mother's birth name and first given name, the pregnancy start and
  the rank (more come with pregnant patients); twins ({P.TWIN_SHARE:.1%}); the INS on {P.INS_SHARE:.0%} of the records of
  persons who have one; a care pathway and dated activities per centre.
Nothing is dated after {P.REFERENCE_DAY.isoformat()}: check with ingest's "today" on or after that day.
--invalid-share X spoils that share of submissions with a fault ingest refuses."""


DESCRIPTION = _description()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--patients", type=int, required=True, help="number of true patients")
    parser.add_argument("--centres", type=int, default=20, help="number of expert centres, S001... (default 20)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--invalid-share", type=float, default=0.0,
                        help="share of submissions spoiled with a fault ingest refuses (default 0)")
    parser.add_argument("--out", required=True, help="output file (JSON Lines); the truth goes to OUT.truth.csv, the centres to OUT.centres.csv")


def run(args: argparse.Namespace) -> int:
    spec = CohortSpec(args.patients, args.centres, args.seed, invalid_share=args.invalid_share)
    summary = write(spec, Path(args.out), sys.stderr)
    print(f"wrote {summary['submissions']:,} submissions to {args.out} (ground truth: {args.out}.truth.csv): "
          f"{summary['multi_centre_patients']:,} patients in 2+ centres, "
          f"{summary['records_with_identity_errors']:,} records with identity errors, "
          f"{summary['invalid_submissions']:,} invalid")
    return 0
