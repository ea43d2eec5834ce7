"""`rarelog linkage eval`: the real normalisation, encodings, blocking, EM and incremental
assignment, run on a labelled data set, with pairwise precision, recall and F1.

Pairs: two records assigned to the same patient (predicted) against two records of the same
true entity. Records sent to review count as provisional patients of their own (not linked),
as the registry holds them until a human decides.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from rarelog.linkage_data import LabelledRecord, febrl, febrl_like, synthetic, synthetic_generated
from rarelog_pseudonymizer.encodings import DEFAULT as DEFAULT_ENCODING
from rarelog_pseudonymizer.encodings import EncodingParams, Encoder
from rarelog_pseudonymizer.normalise import normalise_identity
from rarelog_reconciler.linkage import (AssignParams, BlockingParams, FilterStore, KeyMaker, Model, PatientIndex,
                                        candidate_pairs, decide, fit)
from rarelog_reconciler.state import MIN_REFIT_MATCHES, REFIT_AT, initial_model, refit_model, refit_point_due

EVAL_KEY = hashlib.sha256(b"rarelog linkage evaluation key (not a secret)").digest()
DATASETS = ("febrl4", "febrl1", "febrl2", "febrl3", "synthetic", "febrl-like")


def load(dataset: str, file: Path | None = None, records: int = 200_000) -> list[LabelledRecord]:
    if dataset == "synthetic":
        # without a file: a fixed cohort of 20,000 patients generated in memory
        return synthetic(Path(file)) if file is not None else synthetic_generated()
    if dataset == "febrl-like":
        return febrl_like(records)
    return febrl(dataset)


def pair_counts(predicted: list, truth: list) -> tuple[int, int, int]:
    """(true positive pairs, predicted pairs, true pairs) from two labelings of the same records."""
    def pairs(counter: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counter.values())
    return pairs(Counter(zip(predicted, truth))), pairs(Counter(predicted)), pairs(Counter(truth))


def prf(tp: int, predicted: int, true: int) -> dict[str, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / true if true else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def encode_all(records: list[LabelledRecord], params: EncodingParams,
               key: bytes = EVAL_KEY) -> tuple[list[dict], float]:
    encoder = Encoder(key, params)
    start = time.perf_counter()
    out = [encoder.encode(normalise_identity(r.identity), r.record_id.encode()) for r in records]
    return out, time.perf_counter() - start


@dataclass
class Prepared:
    """A data set encoded, blocked in batch and with its model fitted: what the stream needs."""
    dataset: str
    records: list[LabelledRecord]
    encodings: list[dict]
    widths: dict[str, int]
    model: Model
    blocking: BlockingParams
    blocking_recall: float
    candidates_per_record: float
    true_pairs: int
    seconds: dict[str, float]
    blip: float = 0.0


def prepare(dataset: str, file: Path | None = None, *, encoding: EncodingParams = DEFAULT_ENCODING,
            blocking: BlockingParams | None = None, thresholds: dict | None = None, order: str = "shuffled",
            seed: int = 0, random_pairs: int = 1_000_000, limit: int | None = None,
            records: list[LabelledRecord] | None = None, key: bytes = EVAL_KEY) -> Prepared:
    blocking = blocking or BlockingParams.for_encoding(encoding.blip)
    records = records if records is not None else load(dataset, file)
    if limit:
        records = records[:limit]
    if order == "shuffled":  # one stream, in an order that is neither file nor entity order
        records = list(records)
        random.Random(seed).shuffle(records)
    encodings, encode_s = encode_all(records, encoding, key)
    truth = [r.entity for r in records]

    # batch view of the whole set: blocking recall and the pair space for EM
    t0 = time.perf_counter()
    store = FilterStore.for_records(encodings)
    store.add_many(encodings)
    keys = KeyMaker(blocking, store.words).keys(store, np.arange(store.size), [e["blocking"] for e in encodings])
    candidates = candidate_pairs(keys, blocking.max_bucket)
    blocking_s = time.perf_counter() - t0
    entity = np.unique(np.asarray(truth), return_inverse=True)[1].ravel()
    found = int((entity[candidates[:, 0]] == entity[candidates[:, 1]]).sum())
    true_pairs = pair_counts(truth, truth)[2]

    t0 = time.perf_counter()
    model = fit(store, candidates, random_pairs=random_pairs, thresholds=thresholds, blip=encoding.blip)
    fit_s = time.perf_counter() - t0
    return Prepared(dataset, records, encodings, store.words, model, blocking,
                    found / true_pairs if true_pairs else 1.0, 2 * len(candidates) / max(len(records), 1),
                    true_pairs, {"encode": encode_s, "blocking": blocking_s, "fit": fit_s}, encoding.blip)


def stream(prepared: Prepared, assign: AssignParams = AssignParams(), as_service: bool = False,
           refit_at: tuple[int, ...] = REFIT_AT, min_matches: float = MIN_REFIT_MATCHES) -> dict:
    """The records one at a time, as the reconciler will run them; returns the figures.
    as_service: not the model fitted on the whole data set but what the service has: its shipped
    starting model, refitted by EM on the index at the service's points, prior pooled with the
    index's own (the data set is then met as a registry meets its records)."""
    records, encodings = prepared.records, prepared.encodings
    model = initial_model() if as_service else prepared.model
    assign = replace(assign, scale_prior=True) if as_service else assign
    index = PatientIndex(model, prepared.widths, prepared.blocking, assign)
    assigned, kinds, reasons, seen = [], Counter(), Counter(), 0
    t0 = time.perf_counter()
    for record, enc in zip(records, encodings):
        point = refit_point_due(index.model, index.size, refit_at) if as_service else None
        if point:
            index.model = refit_model(index, prepared.blip, point, min_matches)
        decision = decide(index, enc)
        kinds[decision.kind] += 1
        reasons[decision.reason] += bool(decision.reason)
        seen += decision.candidates
        patient = decision.patient_id if decision.kind == "link" else f"new:{record.record_id}"
        index.add(record.record_id, enc, patient)
        assigned.append(patient)
    assign_s = time.perf_counter() - t0
    seconds = {**prepared.seconds, "assign": assign_s}
    n = len(records)
    return {
        "dataset": prepared.dataset, "records": n, "true_pairs": prepared.true_pairs,
        **prf(*pair_counts(assigned, [r.entity for r in records])),
        "review": kinds["review"], "review_share": kinds["review"] / n, "decisions": dict(kinds),
        "review_reasons": {k: v for k, v in reasons.items() if k},
        "blocking_recall": prepared.blocking_recall,
        "candidates_per_record": prepared.candidates_per_record,
        "stream_candidates_per_record": seen / n,
        "encode_records_per_s": n / seconds["encode"], "assign_records_per_s": n / assign_s,
        "records_per_s": n / sum(seconds.values()), "seconds": seconds,
        "model": index.model.to_dict(), "as_service": as_service,
    }


def run_eval(dataset: str, file: Path | None = None, *, encoding: EncodingParams = DEFAULT_ENCODING,
             blocking: BlockingParams | None = None, assign: AssignParams = AssignParams(),
             thresholds: dict | None = None, order: str = "shuffled", seed: int = 0,
             random_pairs: int = 1_000_000, limit: int | None = None,
             records: list[LabelledRecord] | None = None, key: bytes = EVAL_KEY, as_service: bool = False) -> dict:
    """Runs the pipeline on a data set; returns the figures (and the fitted model) as a dict."""
    prepared = prepare(dataset, file, encoding=encoding, blocking=blocking, thresholds=thresholds, order=order,
                       seed=seed, random_pairs=random_pairs, limit=limit, records=records, key=key)
    return stream(prepared, assign, as_service)


def format_report(result: dict) -> str:
    m = result["model"]
    lines = [
        f"{result['dataset']}: {result['records']:,} records, {result['true_pairs']:,} true pairs"
        + (" (as the service: shipped model, refitted by EM as the index grows)" if result.get("as_service") else ""),
        f"  pairwise precision {result['precision']:.4f}  recall {result['recall']:.4f}  F1 {result['f1']:.4f}",
        f"  review {result['review']:,} records ({100 * result['review_share']:.2f} %) {result['review_reasons']}",
        f"  blocking recall {result['blocking_recall']:.4f}, {result['candidates_per_record']:.1f} candidates per "
        f"record (stream look-ups: {result['stream_candidates_per_record']:.1f} earlier records)",
        f"  {result['records_per_s']:,.0f} records/s overall (encode {result['encode_records_per_s']:,.0f}/s, "
        f"assign {result['assign_records_per_s']:,.0f}/s; " +
        ", ".join(f"{k} {v:.1f} s" for k, v in result["seconds"].items()) + ")",
        f"  EM over {m['info']['candidate_pairs']:,.0f} candidate + {m['info']['random_pairs']:,.0f} random pairs "
        f"(standing for {m['info']['pair_space']:,.0f}): prior {m['prior']:.3g}, "
        f"expected matches {m['info']['expected_matches']:,.0f}",
    ]
    for f in m["m"]:
        lines.append(f"    {f:8} m " + " ".join(f"{v:.4f}" for v in m["m"][f]) +
                     "   u " + " ".join(f"{v:.5f}" for v in m["u"][f]))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rarelog linkage eval", description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", choices=DATASETS, default="febrl4")
    parser.add_argument("--file", type=Path, help="cohort JSON Lines (with FILE.truth.csv) for --dataset synthetic; default: 20,000 patients generated in memory")
    parser.add_argument("--blip", type=float, default=None,
                        help="harden the filters with BLIP bit flips of this probability (default: as encoded)")
    parser.add_argument("--order", choices=("shuffled", "file"), default="shuffled")
    parser.add_argument("--as-service", action="store_true",
                        help="decide as the reconciler service does: its shipped starting model, refitted by EM on "
                             "the index as it grows, instead of a model fitted on the whole data set first")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--save-model", type=Path, metavar="FILE",
                        help="write the model fitted by EM (JSON) to FILE, e.g. as the reconciler's starting model")
    args = parser.parse_args(argv)
    encoding = DEFAULT_ENCODING if args.blip is None else replace(DEFAULT_ENCODING, blip=args.blip)
    try:
        result = run_eval(args.dataset, args.file, encoding=encoding, order=args.order, as_service=args.as_service)
    except (OSError, ValueError) as exc:
        print(f"rarelog linkage eval: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else format_report(result))
    if args.save_model:
        args.save_model.write_text(json.dumps(result["model"], indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
