"""The reconciler's fuzzy linkage index at registry scale: restart, memory and link rate.

Run from the repository root:
    .venv/bin/python -m bench.linkage_scale [--patients 1600000] [--records 20000] [--kafka]

Targets (2 cores): with 1.6 M patients (~2 M records) indexed, at least 2,000 records/s linked
(decide + add), index memory at most 4 GB, restart to ready in at most 60 s.

- Records: `febrl_like` identities (FEBRL4 name and suburb frequencies, 25 % of entities with a
  typo'd duplicate: 1.25 records per patient), encoded by the real Encoder with the production
  parameters (BLIP 0.01) under a fixed bench key. Encoding runs at ~4,500 records/s per core, so
  it runs on a pool of 2 and the arrays are cached in .rarelog/cache/ (a rerun reads them).
- Model: EM (`linkage.fit`) on a 100 k-record sample, AssignParams(scale_prior=True).
- Restart = read the changelog + Avro decode + `PatientIndex.add_many`. add_many is timed on the
  whole index; decode is timed on a sample of real LinkageIndexEntry messages (3 per record:
  encoding:, record:, pseudonym:) and extrapolated; with --kafka the entries of the sample are
  also produced to a topic of the embedded stack and read back with `read_to_end`.
  Three decoders: the kit's AvroCatalog.decode, fastavro's schemaless reader called with the
  parsed schema, and `decode_index_entry` below (pure Python, this one schema).
- A restart from a local snapshot (the index pickled whole) is timed too.
- Link rate: a further --records fresh records (about 40 % duplicates of indexed patients)
  through decide + add, one at a time, as the service runs them.
Memory is the process's anonymous RSS (RssAnon), sampled every 50 ms: index plus Python.
Figures go to stdout and bench/results/linkage-scale.md.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import multiprocessing
import os
import pickle
import threading
import time
from collections import Counter
from pathlib import Path

import fastavro
import numpy as np

from rarelog.linkage_data import febrl_like
from rarelog_pseudonymizer.domain import ENCODING
from rarelog_pseudonymizer.encodings import FIELDS, Encoder
from rarelog_pseudonymizer.normalise import normalise_identity
from rarelog_reconciler.linkage import (AssignParams, BlockingParams, FilterStore, KeyMaker, PatientIndex,
                                        candidate_pairs, decide, fit, levels, record_from_encoding,
                                        similarities)

BENCH_KEY = hashlib.sha256(b"rarelog linkage scale bench key (not a secret)").digest()
RECORDS_PER_PATIENT = 1.25  # febrl_like with duplicate_share 0.25
WIDTH = {f: ENCODING.bits(f) // 8 for f in FIELDS}  # bytes of each field's filter
OFFSET = dict(zip(FIELDS, np.cumsum([0] + [WIDTH[f] for f in FIELDS]).tolist()))
ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".rarelog" / "cache"
RESULTS = ROOT / "bench" / "results" / "linkage-scale.md"


# ---------------------------------------------------------------------------------------------
# encoded records, cached as fixed-width arrays (about 600 bytes a record)

def _encode_chunk(args: tuple[int, list[dict]]) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    start, identities = args
    encoder = _encode_chunk.__dict__.setdefault("encoder", Encoder(BENCH_KEY, ENCODING))
    n = len(identities)
    filters = np.zeros((n, OFFSET[FIELDS[-1]] + WIDTH[FIELDS[-1]]), dtype=np.uint8)
    present = np.zeros((n, len(FIELDS)), dtype=bool)
    blocking = np.zeros((n, 8), dtype=np.uint64)  # 64-bit HMAC keys; the count is kept apart
    for i, identity in enumerate(identities):
        enc = encoder.encode(normalise_identity(identity), f"r{start + i}".encode())
        for c, f in enumerate(FIELDS):
            if enc[f]:
                filters[i, OFFSET[f]:OFFSET[f] + WIDTH[f]] = np.frombuffer(enc[f], dtype=np.uint8)
                present[i, c] = True
        blocking[i, :len(enc["blocking"])] = [int(k, 16) for k in enc["blocking"]]  # 0: none (p = 2⁻⁶⁴)
    return start, filters, present, blocking


def encoded(total: int) -> dict[str, np.ndarray]:
    """filters (n × 520 bytes), present (n × fields), blocking (n × 8 uint64), entity."""
    path = CACHE / f"linkage-scale-{total}-{hashlib.sha256(BENCH_KEY + repr(ENCODING).encode()).hexdigest()[:8]}"
    if not (path / "done").exists():
        t0 = time.perf_counter()
        records = febrl_like(total, seed=1, duplicate_share=RECORDS_PER_PATIENT - 1)
        say(f"generated {total:,} identities in {time.perf_counter() - t0:.0f} s; encoding on 2 processes...")
        path.mkdir(parents=True, exist_ok=True)
        arrays = {"filters": np.lib.format.open_memmap(path / "filters.npy", "w+", np.uint8,
                                                       (total, OFFSET[FIELDS[-1]] + WIDTH[FIELDS[-1]])),
                  "present": np.zeros((total, len(FIELDS)), dtype=bool),
                  "blocking": np.zeros((total, 8), dtype=np.uint64)}
        step = 20_000
        chunks = [(s, [r.identity for r in records[s:s + step]]) for s in range(0, total, step)]
        t0 = time.perf_counter()
        with multiprocessing.get_context("fork").Pool(2) as pool:
            for start, filters, present, blocking in pool.imap_unordered(_encode_chunk, chunks):
                end = start + len(filters)
                arrays["filters"][start:end], arrays["present"][start:end] = filters, present
                arrays["blocking"][start:end] = blocking
        say(f"encoded {total:,} records in {time.perf_counter() - t0:.0f} s")
        arrays["filters"].flush()
        del arrays["filters"]
        np.save(path / "present.npy", arrays["present"])
        np.save(path / "blocking.npy", arrays["blocking"])
        np.save(path / "entity.npy", np.array([int(r.entity) for r in records], dtype=np.int64))
        (path / "done").touch()
    # the filters are memory-mapped: their pages are the page cache's, not the index's
    return {"filters": np.load(path / "filters.npy", mmap_mode="r"), "present": np.load(path / "present.npy"),
            "blocking": np.load(path / "blocking.npy"), "entity": np.load(path / "entity.npy")}


def records(data: dict[str, np.ndarray], start: int, end: int) -> list[dict]:
    """The encodings dicts linkage reads (as record_from_encoding makes them), rows start..end."""
    filters, present = np.asarray(data["filters"][start:end]), data["present"][start:end]
    out = []
    for i in range(end - start):
        row = filters[i].tobytes()
        rec = {f: row[OFFSET[f]:OFFSET[f] + WIDTH[f]] for c, f in enumerate(FIELDS) if present[i, c]}
        keys = data["blocking"][start + i]
        rec["blocking"] = [f"{k:016x}" for k in keys[keys != 0].tolist()]
        rec["foetus_rank"] = 0
        out.append(rec)
    return out


# ---------------------------------------------------------------------------------------------
# measurement helpers

def say(text: str) -> None:
    print(text, flush=True)


def rss_anon() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("RssAnon:"))


class PeakRss:
    """Peak anonymous RSS while the block runs (sampled: ru_maxrss would count the mapped cache)."""

    def __enter__(self) -> "PeakRss":
        self.peak, self._stop = rss_anon(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_anon())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_anon())


GB = 1e9


def patient_id(number: int) -> str:
    return f"{number:08x}-0000-5000-8000-000000000000"  # the shape of the registry's UUIDs


def record_key(row: int) -> str:
    return f"{row:032x}"  # the pseudonymizer's record keys are 32 hex characters


# ---------------------------------------------------------------------------------------------
# the measurements

def fit_model(data: dict[str, np.ndarray], n: int) -> tuple:
    """EM on the first n records, as linkage_eval does; the prior then scales with the index."""
    sample = records(data, 0, n)
    store = FilterStore.for_records(sample)
    store.add_many(sample)
    blocking = BlockingParams.for_encoding(ENCODING.blip)
    keys = KeyMaker(blocking, store.words).keys(store, np.arange(store.size), [r["blocking"] for r in sample])
    return fit(store, candidate_pairs(keys, blocking.max_bucket), blip=ENCODING.blip), store.words, blocking


def build(data: dict[str, np.ndarray], n: int, model, widths, blocking) -> tuple[PatientIndex, dict]:
    """The restart path: add_many over the whole changelog, in batches as it is read."""
    index = PatientIndex(model, widths, blocking, AssignParams(scale_prior=True))
    base, add_s, dicts_s = rss_anon(), 0.0, 0.0
    with PeakRss() as peak:
        for start in range(0, n, 100_000):
            end = min(n, start + 100_000)
            t0 = time.perf_counter()
            batch = records(data, start, end)
            keys = [record_key(r) for r in range(start, end)]
            patients = [patient_id(e) for e in data["entity"][start:end].tolist()]
            t1 = time.perf_counter()
            index.add_many(keys, batch, patients)
            add_s, dicts_s = add_s + time.perf_counter() - t1, dicts_s + t1 - t0
            del batch, keys, patients
    return index, {"add_s": add_s, "dicts_s": dicts_s, "rss": rss_anon() - base, "peak": peak.peak - base}


def key_groups(params: BlockingParams) -> list[str]:
    """The kind of each column of KeyMaker.keys, for the diagnosis."""
    return ([f"eq {f}" for f in params.equality_fields] + ["swap"] * params.swap_key
            + [f"lsh {g}" for g in params.lsh_groups for _ in range(params.bands)]
            + ["pseudonymizer"] * 8 * params.pseudonymizer_keys)


def diagnose(index: PatientIndex, data: dict[str, np.ndarray], record: dict, truth: str, decision) -> dict:
    """Why a record of an indexed patient did not link to it: no key in common with any of the
    patient's records, keys in common but all skipped (over max_bucket), or a candidate scored
    too low (by how many bits, and whether the unscaled prior would have linked it)."""
    rows = np.array([index.row_of[k] for k in index.records_of_patient(truth)], dtype=np.int64)
    _, _, keys = index.prepare(record)
    theirs = index.key_maker.keys(index.store, rows, [[f"{k:016x}" for k in data["blocking"][r] if k]
                                                      for r in rows.tolist()])
    kinds = key_groups(index.blocking)
    common = set(theirs.ravel().tolist()) - {0}
    shared = {k: kinds[c] for c, k in enumerate(keys.tolist()) if k in common}
    out = {"decision": decision.kind, "reason": decision.reason}
    if not shared:
        return {**out, "class": "no key in common"}
    sizes = index.keys.bucket_sizes(np.array(list(shared), dtype=np.uint64))
    out["shared"] = [(kind, int(size)) for kind, size in zip(shared.values(), sizes.tolist())]
    if (sizes > index.blocking.bucket_cap(index.size)).all():
        return {**out, "class": "keys in common all over max_bucket"}
    sims, _ = similarities(index._scratch, np.zeros(1, dtype=np.int64), rows, index.model.swap_margin,
                           other=index.store)
    bf = float(index.model.bayes_factor(levels(sims, index.model.thresholds)).max())
    scaled, unscaled = index.prior_log2(), index.model.prior_log2()
    link = float(np.log2(index.assign.link / (1 - index.assign.link)))
    out.update(score=bf + scaled, short=link - (bf + scaled), unscaled_links=bf + unscaled >= link)
    if decision.kind == "link":
        return {**out, "class": "linked to another patient"}
    if bf + scaled >= link:
        return {**out, "class": f"candidate above link, {decision.kind} ({decision.reason})"}
    return {**out, "class": "candidate below link"}


def stream(index: PatientIndex, data: dict[str, np.ndarray], start: int, end: int, explain: bool = True) -> dict:
    """decide + add, one record at a time; the truth says whether links and new patients are right.
    Records of an indexed patient that were not linked to it are diagnosed (outside the timing)."""
    batch = records(data, start, end)
    indexed = set(data["entity"][:start].tolist())
    kinds, right, wrong, missed, why = Counter(), 0, 0, 0, []
    seconds = 0.0
    for row, record in zip(range(start, end), batch):
        t0 = time.perf_counter()
        decision = decide(index, record)
        seconds += time.perf_counter() - t0
        entity = int(data["entity"][row])
        truth = patient_id(entity)
        if explain and entity in indexed and not (decision.kind == "link" and decision.patient_id == truth):
            why.append(diagnose(index, data, record, truth, decision))
        t0 = time.perf_counter()
        patient = decision.patient_id if decision.kind == "link" else f"new-{row}"
        index.add(record_key(row), record, patient)
        seconds += time.perf_counter() - t0
        kinds[decision.kind] += 1
    for row in range(start, end):  # accuracy, outside the timing
        entity, patient = int(data["entity"][row]), index.patient_of_record(record_key(row))
        # a patient made new in this stream stands for the entity of its first record
        of = int(data["entity"][int(patient[4:])]) if patient.startswith("new-") else int(patient[:8], 16)
        if patient != f"new-{row}":  # linked
            right += of == entity
            wrong += of != entity
        missed += patient == f"new-{row}" and entity in indexed
    return {"records": end - start, "seconds": seconds, "rate": (end - start) / seconds, "kinds": dict(kinds),
            "links_right": right, "links_wrong": wrong, "missed": missed, "why": why,
            "had_patient": sum(int(e) in indexed for e in data["entity"][start:end].tolist())}


def explain(why: list[dict], max_bucket: int) -> list[str]:
    """The diagnosis as lines of text."""
    out = [f"- {n:,} {c}" for c, n in Counter(w["class"] for w in why).most_common()]
    over = Counter(kind for w in why if w["class"].endswith("max_bucket") for kind, _ in w["shared"])
    if over:
        sizes = [min(s for _, s in w["shared"]) for w in why if w["class"].endswith("max_bucket")]
        out.append(f"  - skipped keys in common (max_bucket {max_bucket}): " + ", ".join(
            f"{k} {n:,}" for k, n in over.most_common()) + f"; smallest bucket per record: median "
            f"{np.median(sizes):.0f}, 90 % ≤ {np.percentile(sizes, 90):.0f}")
    low = [w for w in why if w["class"] == "candidate below link"]
    if low:
        short = np.array([w["short"] for w in low])
        out.append(f"  - below link by: median {np.median(short):.1f} bits, ≤ 3 bits {int((short <= 3).sum()):,}, "
                   f"≤ 6 bits {int((short <= 6).sum()):,}; {sum(w['unscaled_links'] for w in low):,} would "
                   f"pass with the unscaled prior")
    return out


def snapshot(index: PatientIndex) -> dict:
    """A restart from a local checkpoint of the index (pickled whole: arrays and id maps) instead
    of the changelog: write it, read it back (from the page cache: a cold disk adds size / its
    read rate)."""
    path = CACHE / f"linkage-scale-snapshot-{os.getpid()}.pickle"
    try:
        t0 = time.perf_counter()
        with open(path, "wb") as handle:
            pickle.dump(index, handle, protocol=5)
        t1 = time.perf_counter()
        with open(path, "rb") as handle:
            restored = pickle.load(handle)
        t2 = time.perf_counter()
        assert restored.size == index.size
        return {"save_s": t1 - t0, "load_s": t2 - t1, "bytes": path.stat().st_size}
    finally:
        path.unlink(missing_ok=True)


def changelog_entries(data: dict[str, np.ndarray], n: int, catalog) -> list[tuple[bytes, bytes]]:
    """(key, value) of the three changelog entries of each of n records, as the service writes them."""
    out = []
    for row, rec in enumerate(records(data, 0, n)):
        patient, rk = patient_id(int(data["entity"][row])), record_key(row)
        pseudonym = hashlib.sha256(rk.encode()).hexdigest()
        encoding = {"key_id": "k-bench-0001", "pseudonym": pseudonym,
                    "filters": {f: v for f, v in rec.items() if f in WIDTH}, "blocking_keys": rec["blocking"],
                    "foetus_rank": None, "encoding": "bf1-blip0.01"}
        out.append((f"encoding:{rk}".encode(), catalog.encode("LinkageIndexEntry", {
            "patient_id": patient, "record_version": 1, "encoding": encoding})))
        out.append((f"record:{rk}".encode(), catalog.encode("LinkageIndexEntry", {
            "patient_id": patient, "record_version": 1, "encoding": None})))
        out.append((f"pseudonym:{pseudonym}".encode(), catalog.encode("LinkageIndexEntry", {"patient_id": patient})))
    return out


def _long(buf: bytes, pos: int) -> tuple[int, int]:
    """Avro zig-zag varint at pos → (value, next pos)."""
    b = buf[pos]
    if b < 0x80:  # one byte: nearly every length and count here
        return (b >> 1) ^ -(b & 1), pos + 1
    n, shift = b & 0x7F, 7
    while True:
        pos += 1
        b = buf[pos]
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return (n >> 1) ^ -(n & 1), pos + 1
        shift += 7


def decode_index_entry(buf: bytes) -> dict:
    """The Avro body (after the 10-byte single-object header) of a LinkageIndexEntry written with
    the schema of this fingerprint; the same dict as fastavro gives. Hand-written for this one
    schema: the small record:/pseudonym: entries cost ~40 % of fastavro's per-call overhead."""
    n, pos = _long(buf, 0)
    patient_id = buf[pos:pos + n].decode()
    pos += n
    version, pos = _long(buf, pos)
    branch, pos = _long(buf, pos)
    encoding = None
    if branch:
        n, pos = _long(buf, pos)
        key_id = buf[pos:pos + n].decode()
        pos += n
        n, pos = _long(buf, pos)
        pseudonym = buf[pos:pos + n].decode()
        pos += n
        filters = {}
        count, pos = _long(buf, pos)
        while count:
            if count < 0:  # a block with its size in bytes
                count = -count
                _, pos = _long(buf, pos)
            for _ in range(count):
                n, pos = _long(buf, pos)
                field = buf[pos:pos + n].decode()
                pos += n
                n, pos = _long(buf, pos)
                filters[field] = buf[pos:pos + n]
                pos += n
            count, pos = _long(buf, pos)
        keys = []
        count, pos = _long(buf, pos)
        while count:
            if count < 0:
                count = -count
                _, pos = _long(buf, pos)
            for _ in range(count):
                n, pos = _long(buf, pos)
                keys.append(buf[pos:pos + n].decode())
                pos += n
            count, pos = _long(buf, pos)
        branch, pos = _long(buf, pos)
        rank = None
        if branch:
            rank, pos = _long(buf, pos)
        n, pos = _long(buf, pos)
        scheme = buf[pos:pos + n].decode()
        pos += n
        encoding = {"key_id": key_id, "pseudonym": pseudonym, "filters": filters, "blocking_keys": keys,
                    "foetus_rank": rank, "encoding": scheme}
    if pos != len(buf):
        raise ValueError("trailing bytes")
    return {"patient_id": patient_id, "record_version": version, "encoding": encoding}


def decode_rates(entries: list[tuple[bytes, bytes]], catalog) -> dict[str, float]:
    """Entries per second: the kit's AvroCatalog.decode, and fastavro's schemaless reader called
    directly with the parsed schema (what a restart of this one schema can use); each then turned
    into the linkage record of an encoding: entry."""
    values = [v for _, v in entries]
    t0 = time.perf_counter()
    for key, value in entries:
        entry = catalog.decode(value, expect=("LinkageIndexEntry",)).value
        if entry["encoding"] is not None:
            record_from_encoding(entry["encoding"])
    kit = len(values) / (time.perf_counter() - t0)
    header, schema = values[0][:10], fastavro.parse_schema(catalog.schema("LinkageIndexEntry"))
    read = fastavro.schemaless_reader
    t0 = time.perf_counter()
    for value in values:
        if value[:10] != header:  # another writer version: the kit's path
            entry = catalog.decode(value).value
        else:
            entry = read(io.BytesIO(value[10:]), schema, None)
        if entry["encoding"] is not None:
            record_from_encoding(entry["encoding"])
    direct = len(values) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for value in values:
        entry = decode_index_entry(value[10:]) if value[:10] == header else catalog.decode(value).value
        if entry["encoding"] is not None:
            record_from_encoding(entry["encoding"])
    hand = len(values) / (time.perf_counter() - t0)
    assert all(decode_index_entry(v[10:]) == catalog.decode(v).value for v in values[:3000])
    return {"kit": kit, "direct": direct, "hand": hand}


def kafka_read_rate(entries: list[tuple[bytes, bytes]]) -> float:
    """Entries per second through read_to_end from a changelog topic of the embedded stack (one
    partition, as the reconciler's), produced here first."""
    from rarelog import stack
    from rarelog_kit.topic_reader import read_to_end
    from rarelog_kit.topics import RECONCILER_CHANGELOG

    from bench.harness import produce, run_topics

    bootstrap = stack.embedded_env().get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        raise SystemExit("--kafka: no Kafka; start it with `python -m rarelog.stack up --no-services`")
    with run_topics(bootstrap) as prefix:
        topic = prefix + RECONCILER_CHANGELOG
        produce(bootstrap, topic, entries)
        t0 = time.perf_counter()
        count = sum(1 for _ in read_to_end({"bootstrap.servers": bootstrap}, topic))
        return count / (time.perf_counter() - t0)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.linkage_scale", description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=1_600_000, help="patients in the index (default 1.6 M)")
    parser.add_argument("--records", type=int, default=20_000, help="records streamed through decide + add")
    parser.add_argument("--sample", type=int, default=100_000, help="records the model is fitted on")
    parser.add_argument("--decode-sample", type=int, default=50_000, help="records whose changelog entries are decoded")
    parser.add_argument("--kafka", action="store_true", help="also read the sample's entries back from a topic "
                        "of the embedded stack (which must be up)")
    args = parser.parse_args(argv)
    n_index = round(args.patients * RECORDS_PER_PATIENT)
    data = encoded(n_index + args.records)

    t0 = time.perf_counter()
    model, widths, blocking = fit_model(data, min(args.sample, n_index))
    say(f"model fitted on {min(args.sample, n_index):,} records in {time.perf_counter() - t0:.0f} s")
    index, built = build(data, n_index, model, widths, blocking)
    patients = len(index.patient_ids)
    say(f"index built: {n_index:,} records, {patients:,} patients, add_many {built['add_s']:.1f} s")
    flow = stream(index, data, n_index, n_index + args.records)
    say(f"streamed {flow['records']:,} records: {flow['rate']:,.0f}/s")
    snap = snapshot(index)

    from rarelog_kit.serde import AvroCatalog
    catalog = AvroCatalog()
    entries = changelog_entries(data, min(args.decode_sample, n_index), catalog)
    decode = decode_rates(entries, catalog)
    kafka = kafka_read_rate(entries) if args.kafka else None
    per_restart = 3 * n_index  # entries to read
    decode_s = per_restart / decode["kit"]
    decode_fast_s = per_restart / max(decode["direct"], decode["hand"])
    kafka_s = per_restart / kafka if kafka else None
    # restart: reading (Kafka) and decoding overlap nothing today: one thread reads, decodes, adds
    restart_s = built["add_s"] + decode_s + (kafka_s or 0)
    restart_fast_s = built["add_s"] + decode_fast_s + (kafka_s or 0)
    memory = max(built["rss"], built["peak"])

    rows = [
        ("index", f"{n_index:,} records, {patients:,} patients", ""),
        ("add_many (build from decoded entries)", f"{built['add_s']:.1f} s", f"{n_index / built['add_s']:,.0f} records/s"),
        ("index memory (RssAnon after / peak)", f"{built['rss'] / GB:.2f} / {built['peak'] / GB:.2f} GB",
         f"nbytes() {index.nbytes() / GB:.2f} GB; {verdict(memory <= 4 * GB)} ≤ 4 GB"),
        ("Avro decode, kit AvroCatalog.decode", f"{decode['kit']:,.0f} entries/s",
         f"{decode_s:.0f} s for {per_restart:,} entries"),
        ("Avro decode, fastavro schemaless direct", f"{decode['direct']:,.0f} entries/s",
         f"{per_restart / decode['direct']:.0f} s for {per_restart:,} entries"),
        ("Avro decode, hand-written reader of this schema", f"{decode['hand']:,.0f} entries/s",
         f"{per_restart / decode['hand']:.0f} s for {per_restart:,} entries"),
        ("Kafka read_to_end", f"{kafka:,.0f} entries/s" if kafka else "not measured (--kafka)",
         f"{kafka_s:.0f} s for {per_restart:,} entries" if kafka else ""),
        ("restart to ready (read + decode + add_many)", f"{restart_s:.0f} s",
         f"{verdict(restart_s <= 60)} ≤ 60 s; {restart_fast_s:.0f} s with the fastest decoder"
         + ("" if kafka else ", Kafka read not included")),
        ("restart from a local snapshot (pickle load)", f"{snap['load_s']:.0f} s",
         f"{snap['bytes'] / GB:.2f} GB file, written in {snap['save_s']:.0f} s; {verdict(snap['load_s'] <= 60)} ≤ 60 s "
         "plus the changelog's tail"),
        ("link rate (decide + add)", f"{flow['rate']:,.0f} records/s", f"{verdict(flow['rate'] >= 2000)} ≥ 2,000/s"),
        ("decisions", ", ".join(f"{k} {v:,}" for k, v in sorted(flow["kinds"].items())),
         f"links: {flow['links_right']:,} right, {flow['links_wrong']:,} wrong; {flow['had_patient']:,} had an "
         f"indexed patient, {flow['missed']:,} of them made new"),
    ]
    table = ["| measurement | figure | note |", "|---|---:|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    table += ["", f"Streamed records of an indexed patient not linked to it ({len(flow['why']):,}):", "",
              *explain(flow["why"], blocking.max_bucket)]
    from bench.harness import machine
    text = "\n".join([f"# linkage index at scale — {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
                      f"Machine: {machine()}. `python -m bench.linkage_scale --patients {args.patients} "
                      f"--records {args.records}`; model fitted on {min(args.sample, n_index):,} records "
                      f"(prior scaled to the index), decode on {len(entries):,} entries.", "", *table, ""])
    print(text)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
