"""Blocking on encodings only: which earlier records a record is compared with.

Every record gets a few dozen 64-bit keys; two records are candidates when they share one.
- equality of each field's filter (given, surname, date, place), and the unordered pair
  {given, surname} so that a swapped pair meets its original. Only for clear filters: BLIP
  makes two filters of one value differ, so `BlockingParams.for_encoding` drops these keys;
- MinHash-LSH (Broder 1997; Indyk & Motwani 1998) on the set bits of the name filters ORed
  together (the same set for a swapped pair) and of the place filter: `bands` bands of `rows`
  MinHash values, one key per band. Filters are sparse (about 15 % of bits set), so sampling
  bits (Hamming LSH) would catch few near-duplicates. With 20 bands of 6 rows a pair of Jaccard
  0.7 meets with probability 1-(1-0.7⁶)²⁰ = 0.92, 0.8 with 0.998, 0.4 with 0.08;
- the pseudonymizer's HMAC'd keys: phonetic codes with the birth year, the phonetic pair alone
  and with month and day, year-month with sex, the full birth date with sex.
A key held by more than `max_bucket` earlier records (or a share of a large index, see
`bucket_cap`) is skipped: it names a frequent value and would cost more comparisons than it
brings; the keys that carry a date component keep buckets small at 1.6 M records.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import math
import os
from dataclasses import dataclass

import numpy as np

from .filters import FilterStore

try:  # the per-record kernels (one record's keys, look-ups, scoring) are compiled when numba is there
    import numba
except ImportError:  # pragma: no cover - numba is a dependency; the numpy paths give the same results
    numba = None

# RARELOG_LINKAGE_JIT=0 forces the numpy paths (the same decisions, slower: the reference)
JIT = numba is not None and os.environ.get("RARELOG_LINKAGE_JIT", "1") != "0"


def jit(fn):
    """numba.njit(cache=True) (compiled once per source version, cached in __pycache__), or the
    function itself without numba."""
    if numba is None:
        return fn
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:  # no writable cache directory (a read-only install): compiled at each start
        return numba.njit(nogil=True)(fn)


def jit_inline(fn):
    """A helper of the kernels, inlined into them (a call would count references to each array)."""
    return numba.njit(inline="always", nogil=True)(fn) if numba is not None else fn


def _fmix64(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finaliser: a bijection in which every input bit flips about half
    of the output bits (uint64 arithmetic wraps)."""
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@functools.lru_cache(maxsize=64)
def _seeds(domain: bytes, parts: int) -> np.ndarray:
    """One seed per slice (cached: one record's keys would otherwise cost 40 BLAKE2b calls)."""
    return np.array([int.from_bytes(hashlib.blake2b(domain + b"|" + str(p).encode(), digest_size=8).digest(),
                                    "little") for p in range(parts)], dtype=np.uint64)


def hash_rows(rows: np.ndarray, domain: bytes, present: np.ndarray | None = None,
              parts: int = 1) -> np.ndarray:
    """64-bit hashes of each row (cut into `parts` equal slices, one hash each), seeded by
    `domain` + slice number; 0 where `present` is False. Vectorised over rows: each slice's
    64-bit words are folded in one at a time, h ← fmix64(h + w·φ), from a seed drawn from
    BLAKE2b(domain | slice). The keys only ever meet keys made by this same function in the
    same process (they are recomputed from the filters at a restart), so all that matters is
    that unequal slices almost never collide: like any 64-bit hash, about n²/2⁶⁵ pairs."""
    n = len(rows)
    data = np.ascontiguousarray(rows).view(np.uint8).reshape(n, -1)
    step = data.shape[1] // max(parts, 1)
    pad = -step % 8  # whole 64-bit words per slice
    data = data[:, :step * parts].reshape(n, parts, step)
    if pad:
        data = np.concatenate([data, np.zeros((n, parts, pad), dtype=np.uint8)], axis=2)
    words = np.ascontiguousarray(data).view("<u8")  # n × parts × words
    seeds = _seeds(domain, parts)
    golden = np.uint64(0x9E3779B97F4A7C15)
    out = np.broadcast_to(seeds, (n, parts)).copy()
    for j in range(words.shape[2]):
        out = _fmix64(out + words[:, :, j] * golden)
    if present is not None:
        out[~np.asarray(present, dtype=bool)] = 0
    return out


@dataclass(frozen=True)
class BlockingParams:
    bands: int = 20
    rows: int = 6
    # each group is MinHashed as one set: "+" concatenates filters, "|" ORs filters of one
    # bit space (given|surname is the same for a swapped pair)
    lsh_groups: tuple[str, ...] = ("given|surname", "place")
    equality_fields: tuple[str, ...] = ("given", "surname", "date", "place")
    swap_key: bool = True
    pseudonymizer_keys: bool = True
    max_bucket: int = 50
    # ...or more in a large index: a bucket grows with the index, so "frequent" is a share of
    # it. At 2 M records one birth date (sex unknown) holds ~60: with a fixed 50 that key, often
    # the only one a typo'd duplicate shares, was skipped (70 % of the missed links measured by
    # bench.linkage_scale). Below 1 M records the cap stays max_bucket.
    bucket_share: float = 1 / 20_000
    seed: int = 20240611  # MinHash permutations: public, fixed so that keys survive a restart

    def bucket_cap(self, records: int) -> int:
        """The largest bucket still looked up in an index of `records` records."""
        return max(self.max_bucket, math.ceil(records * self.bucket_share))

    @classmethod
    def for_encoding(cls, blip: float, **changes) -> "BlockingParams":
        """BLIP-hardened filters are never equal, even for one identity: equality and swap keys
        would only take memory. LSH on given|surname still meets a swap (same set of bits)."""
        if blip > 0:
            changes = {"equality_fields": (), "swap_key": False, **changes}
        return cls(**changes)


def _less(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise lexicographic a < b, to order the two name filters of a record."""
    diff = a != b
    first = np.argmax(diff, axis=1)
    rows = np.arange(len(a))
    return diff[rows, first] & (a[rows, first] < b[rows, first])


@jit_inline
def _fmix64_one(h):
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


@jit
def _lsh_one(words, order, seeds, rows, out, at):
    """One record's LSH keys of one group into out[at:at + bands]: the same values as
    hash_rows(minhash(...), parts=bands) for rows of an even number of values. Function h's
    MinHash is the first v whose position order[h, v] is set (a few probes at 15-20 % density)."""
    bands = len(seeds)
    empty = True
    for w in words:
        if w != 0:
            empty = False
            break
    if empty:
        for b in range(bands):
            out[at + b] = 0
        return
    n_hashes, m = order.shape
    sig = np.empty(n_hashes, dtype=np.uint64)
    for h in range(n_hashes):
        value = np.uint64(0xFFFFFFFF)
        for v in range(m):
            p = order[h, v]
            if (words[p >> 6] >> np.uint64(p & 63)) & np.uint64(1):
                value = np.uint64(v)
                break
        sig[h] = value
    for b in range(bands):
        h = seeds[b]
        base = b * rows
        for j in range(rows // 2):  # two uint32 values per little-endian uint64 word
            w = sig[base + 2 * j] | (sig[base + 2 * j + 1] << np.uint64(32))
            h = _fmix64_one(h + w * np.uint64(0x9E3779B97F4A7C15))
        out[at + b] = h


@jit
def _spans(run_keys, offsets, shift, keys, first, count):
    """first[i], count[i]: keys[i]'s entries in a sorted run (as searchsorted left/right), each
    searched within its directory slot only."""
    for i in range(len(keys)):
        k = keys[i]
        s = k >> shift
        lo, hi = np.int64(offsets[s]), np.int64(offsets[s + np.uint64(1)])
        a, b = lo, hi
        while a < b:
            mid = (a + b) >> 1
            if run_keys[mid] < k:
                a = mid + 1
            else:
                b = mid
        f = a
        b = hi
        while a < b:
            mid = (a + b) >> 1
            if run_keys[mid] <= k:
                a = mid + 1
            else:
                b = mid
        first[i] = f
        count[i] = a - f


@jit
def _gather(run_rows, first, count, keep, out, at):
    for i in range(len(first)):
        if keep[i]:
            for j in range(first[i], first[i] + count[i]):
                out[at] = run_rows[j]
                at += 1
    return at


class KeyMaker:
    """Computes the blocking keys of stored records: a (records × keys) uint64 matrix, 0 = none."""

    def __init__(self, params: BlockingParams, widths: dict[str, int]):
        self.params = params
        rng = np.random.default_rng(params.seed)
        n_hashes = params.bands * params.rows
        # one random permutation of the bit positions per MinHash function and field
        self.perms = {g: np.stack([rng.permutation(64 * self._words(g, widths)) for _ in range(n_hashes)])
                      .astype(np.uint32) for g in params.lsh_groups}
        # the inverse permutations: order[h, v] is the bit position that function h maps to v
        self._order = {g: np.argsort(perm, axis=1).astype(np.intp) for g, perm in self.perms.items()}

    @staticmethod
    def _words(group: str, widths: dict[str, int]) -> int:
        return sum(widths[part.split("|")[0]] for part in group.split("+"))

    @staticmethod
    def group_bits(group: str, store: FilterStore, rows: np.ndarray) -> np.ndarray:
        parts = []
        for part in group.split("+"):
            fields = part.split("|")
            bits = store.field_bits(fields[0], rows)
            for f in fields[1:]:
                bits = bits | store.field_bits(f, rows)
            parts.append(bits)
        return np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]

    # rank windows probed in turn, see minhash
    _WINDOWS = (8, 24, 64)

    def minhash(self, group: str, bits: np.ndarray) -> np.ndarray:
        """MinHash signatures (n × bands·rows) of the set bits of each row; empty rows get all
        0xFFFFFFFF. Function h's minimum is the smallest v whose position order[h, v] is set:
        with ~20 % of bits set it is nearly always among the first few v, so each (row, function)
        probes a short window of positions and only the unsettled ones probe further (the last
        window is the rest: exact). About 10 probes instead of one per set bit (~130)."""
        order = self._order[group]
        n_hashes, m = order.shape
        out = np.full((len(bits), n_hashes), 0xFFFFFFFF, dtype=np.uint32)
        if len(bits) == 1:  # one record: fewer numpy calls, the minimum over its set bits
            pos = np.flatnonzero(np.unpackbits(bits.view(np.uint8), bitorder="little"))
            if len(pos):
                out[0] = self.perms[group][:, pos].min(axis=1)
            return out
        for start in range(0, len(bits), 2048):
            chunk = np.unpackbits(bits[start:start + 2048].view(np.uint8), axis=1, bitorder="little").view(bool)
            part = out[start:start + len(chunk)]
            hit = chunk[:, order[:, :self._WINDOWS[0]]]  # rows × functions × window
            first, found = hit.argmax(axis=2), hit.any(axis=2)
            part[found] = first[found]
            r, h = np.nonzero(~found & chunk.any(axis=1)[:, None])  # unsettled, non-empty rows
            lo = self._WINDOWS[0]
            for hi in self._WINDOWS[1:] + (m,):
                if not len(r):
                    break
                hit = chunk[r[:, None], order[h, lo:hi]]
                first = hit.argmax(axis=1)
                found = hit[np.arange(len(r)), first]
                part[r[found], h[found]] = lo + first[found]
                r, h, lo = r[~found], h[~found], hi
        return out

    def keys_one(self, store: FilterStore, row: int, blocking: list[str]) -> np.ndarray:
        """The keys of one stored record (a 1-D row of `keys`), compiled: the service's path."""
        p = self.params
        if not JIT or p.rows % 2:
            return self.keys(store, np.array([row]), [blocking])[0]
        parts = []
        if p.equality_fields or p.swap_key:
            parts.append(self._exact_keys(store, np.array([row]))[0])
        lsh = np.empty(p.bands * len(p.lsh_groups), dtype=np.uint64)
        for g, group in enumerate(p.lsh_groups):
            words = self.group_bits(group, store, row)
            _lsh_one(words, self._order[group], _seeds(f"lsh|{group}".encode(), p.bands), p.rows, lsh, g * p.bands)
        parts.append(lsh)
        if p.pseudonymizer_keys:
            extra = [int(key, 16) or 1 for key in blocking[:8]]
            parts.append(np.array(extra + [0] * (8 - len(extra)), dtype=np.uint64))
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _exact_keys(self, store: FilterStore, rows: np.ndarray) -> np.ndarray:
        """The equality and swap columns."""
        p, cols = self.params, []
        for f in p.equality_fields:
            cols.append(hash_rows(store.field_bits(f, rows), b"eq|" + f.encode(), store.field_pop(f, rows) > 0))
        if p.swap_key:
            g, s = store.field_bits("given", rows), store.field_bits("surname", rows)
            both = (store.field_pop("given", rows) > 0) & (store.field_pop("surname", rows) > 0)
            g_first = _less(g, s)[:, None]  # unordered: {given, surname}
            pair = np.concatenate([np.where(g_first, g, s), np.where(g_first, s, g)], axis=1)
            cols.append(hash_rows(pair, b"swap", both))
        return np.concatenate(cols, axis=1)

    def keys(self, store: FilterStore, rows: np.ndarray, blocking: list[list[str]]) -> np.ndarray:
        """(len(rows) × width) uint64 keys of stored records; 0 = no key."""
        p, n = self.params, len(rows)
        cols = [self._exact_keys(store, rows)] if p.equality_fields or p.swap_key else []
        for f in p.lsh_groups:
            bits = self.group_bits(f, store, rows)
            sig = self.minhash(f, bits)  # bands × rows values per record, hashed band by band
            cols.append(hash_rows(sig, f"lsh|{f}".encode(), (bits != 0).any(axis=1), parts=p.bands))
        if p.pseudonymizer_keys:
            extra = np.zeros((n, 8), dtype=np.uint64)
            for i, hexes in enumerate(blocking):
                for j, key in enumerate(hexes[:8]):
                    extra[i, j] = int(key, 16) or 1  # HMAC outputs: already uniform
            cols.append(extra)
        return np.concatenate(cols, axis=1)


class KeyIndex:
    """A multimap key → record rows, for millions of records: recent additions in a dict, older
    ones in a few sorted numpy runs (keys uint64, rows int32) merged like a binary counter, so
    an addition is amortised O(log n). A look-up does not binary-search a run (with ~100 M keys
    that is ~27 cache misses per key): keys are uniform hashes, so a directory of each run by
    the keys' top bits (~8-16 entries a slot, made at the run's first look-up) leads to a short
    window that one vectorised compare reads; only keys in a slot holding a large bucket (about
    a third: frequent places and dates) are binary-searched. Compiled (numba), each key is
    binary-searched within its slot instead (`_spans`), one call per run."""

    WINDOW = 64  # entries compared per key; a longer slot (a large bucket) is binary-searched

    def __init__(self, flush_at: int = 100_000):
        self.flush_at = flush_at
        self.recent: dict[int, list[int]] = {}
        self.recent_entries = 0
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []
        # id(run keys) → (run keys, shift, offsets). The run itself is kept and compared: a merged
        # run can be allocated where a freed one was, and reuse its id.
        self._dirs: dict[int, tuple[np.ndarray, np.uint64, np.ndarray]] = {}

    def __getstate__(self) -> dict:  # the directories are keyed by id(): not valid in another process
        return {**self.__dict__, "_dirs": {}}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update({**state, "_dirs": {}})

    def add(self, keys: np.ndarray, row: int) -> None:
        recent, added = self.recent, 0
        for key in keys.tolist():
            if key:
                rows = recent.get(key)
                if rows is None:
                    recent[key] = [row]
                else:
                    rows.append(row)
                added += 1
        self.recent_entries += added
        if self.recent_entries >= self.flush_at:
            self._flush()

    def add_many(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Bulk load (keys: records × keys matrix), e.g. when rebuilding from the changelog."""
        flat_rows = np.repeat(rows.astype(np.int32), keys.shape[1])
        flat = keys.ravel()
        self._push(flat[flat != 0], flat_rows[flat != 0])

    def _flush(self) -> None:
        if not self.recent:
            return
        lists = list(self.recent.values())
        keys = np.repeat(np.fromiter(self.recent.keys(), dtype=np.uint64, count=len(lists)),
                         np.fromiter(map(len, lists), dtype=np.int64, count=len(lists)))
        rows = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int32, count=self.recent_entries)
        self.recent, self.recent_entries = {}, 0
        self._push(keys, rows)

    def _push(self, keys: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        self.runs.append((keys[order], rows[order]))
        while len(self.runs) >= 2 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            self.runs.append(_merge(self.runs.pop(-2), self.runs.pop()))
        live = {id(k): k for k, _ in self.runs}
        self._dirs = {i: d for i, d in self._dirs.items() if live.get(i) is d[0]}

    def _directory(self, run_keys: np.ndarray) -> tuple[np.uint64, np.ndarray]:
        """(shift, offsets): the entries whose keys' top bits are s are offsets[s]:offsets[s + 1]."""
        found = self._dirs.get(id(run_keys))
        if found is None or found[0] is not run_keys:
            bits = max(1, (len(run_keys) // 16).bit_length())
            shift = np.uint64(64 - bits)
            bounds = np.arange(1 << bits, dtype=np.uint64) << shift
            offsets = np.append(np.searchsorted(run_keys, bounds), len(run_keys))
            found = self._dirs[id(run_keys)] = (run_keys, shift, offsets.astype(np.uint32 if len(run_keys) < 2 ** 32
                                                                                 else np.int64))
        return found[1], found[2]

    def _span(self, run_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(first, count) of each key's entries in a run, as two searchsorted calls would give."""
        shift, offsets = self._directory(run_keys)
        slot = (keys >> shift).astype(np.intp)
        lo, hi = offsets[slot].astype(np.int64), offsets[slot + 1].astype(np.int64)
        at = lo[:, None] + np.arange(self.WINDOW)
        same = (run_keys[np.minimum(at, len(run_keys) - 1)] == keys[:, None]) & (at < hi[:, None])
        first, count = lo + same.argmax(axis=1), same.sum(axis=1)
        long = np.flatnonzero(hi - lo > self.WINDOW)  # a slot holding a large bucket: search
        if len(long):
            a, b = np.searchsorted(run_keys, keys[long], "left"), np.searchsorted(run_keys, keys[long], "right")
            first[long], count[long] = a, b - a
        return first, count

    def lookup(self, keys: np.ndarray, max_bucket: int) -> np.ndarray:
        """Rows sharing at least one key, skipping keys held by more than max_bucket rows."""
        keys = keys[keys != 0]
        if not len(keys):
            return np.zeros(0, dtype=np.int32)
        if JIT:
            return self._lookup_jit(keys, max_bucket)
        recent = [self.recent.get(k, ()) for k in keys.tolist()]
        counts = np.fromiter((len(r) for r in recent), dtype=np.int64, count=len(keys))
        spans = [self._span(run_keys, keys) for run_keys, _ in self.runs]
        for _, count in spans:
            counts += count
        keep = counts <= max_bucket
        found = [np.fromiter((r for rows, ok in zip(recent, keep) if ok for r in rows), dtype=np.int32)]
        for (lo, lengths), (_, run_rows) in zip(spans, self.runs):
            lo, lengths = lo[keep], lengths[keep]
            total = int(lengths.sum())
            if total:
                offsets = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
                found.append(run_rows[offsets])
        return np.unique(np.concatenate(found))

    def _lookup_jit(self, keys: np.ndarray, max_bucket: int) -> np.ndarray:
        """lookup's compiled path: each run binary-searched within the key's directory slot."""
        return np.unique(self.lookup_raw(keys[keys != 0], max_bucket))

    def lookup_raw(self, keys: np.ndarray, max_bucket: int) -> np.ndarray:
        """lookup's rows unsorted, a row once per key it shares (keys: non-zero)."""
        recent = [self.recent.get(k, ()) for k in keys.tolist()]
        n, runs = len(keys), len(self.runs)
        first, count = np.empty((runs, n), dtype=np.int64), np.empty((runs, n), dtype=np.int64)
        for r, (run_keys, _) in enumerate(self.runs):
            shift, offsets = self._directory(run_keys)
            _spans(run_keys, offsets, shift, keys, first[r], count[r])
        total = count.sum(axis=0) + np.array([len(rows) for rows in recent], dtype=np.int64)
        keep = total <= max_bucket
        out = np.empty(int(total[keep].sum()), dtype=np.int32)
        at = 0
        for ok, rows in zip(keep.tolist(), recent):
            if ok and rows:
                out[at:at + len(rows)] = rows
                at += len(rows)
        for r, (_, run_rows) in enumerate(self.runs):
            at = _gather(run_rows, first[r], count[r], keep, out, at)
        return out

    def bucket_sizes(self, keys: np.ndarray) -> np.ndarray:
        """Rows holding each key."""
        counts = np.array([len(self.recent.get(k, ())) for k in keys.tolist()], dtype=np.int64)
        for run_keys, _ in self.runs:
            counts += np.searchsorted(run_keys, keys, "right") - np.searchsorted(run_keys, keys, "left")
        return counts

    def pairs(self, max_bucket: int) -> np.ndarray:
        """Every candidate pair of the indexed rows (to refit the model on the index itself)."""
        self._flush()
        keys = np.concatenate([k for k, _ in self.runs]) if self.runs else np.zeros(0, np.uint64)
        rows = np.concatenate([r for _, r in self.runs]) if self.runs else np.zeros(0, np.int32)
        return pairs_of_entries(keys, rows, max_bucket)

    def entries(self) -> int:
        return self.recent_entries + sum(len(k) for k, _ in self.runs)

    def nbytes(self) -> int:
        # runs exactly; the dict at about 100 bytes per entry (Python objects)
        return (sum(k.nbytes + r.nbytes for k, r in self.runs) + sum(d.nbytes for _, _, d in self._dirs.values())
                + 100 * self.recent_entries)


def _merge(older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Two sorted runs as one, as a stable sort of their concatenation would order them (the
    older run first among equal keys), in linear time and memory: a sort of 100 M entries takes
    a minute and three times their size."""
    (k1, r1), (k2, r2) = older, newer
    at = np.searchsorted(k1, k2, "right") + np.arange(len(k2))  # where each newer entry lands
    rest = np.ones(len(k1) + len(k2), dtype=bool)
    rest[at] = False
    keys, rows = np.empty(len(rest), dtype=k1.dtype), np.empty(len(rest), dtype=r1.dtype)
    keys[at], rows[at] = k2, r2
    keys[rest], rows[rest] = k1, r1
    return keys, rows


def candidate_pairs(keys: np.ndarray, max_bucket: int) -> np.ndarray:
    """Every pair (i < j) of rows sharing a key, for batch work (evaluation, model fitting).
    Buckets larger than max_bucket are skipped, as the incremental look-up does."""
    n, width = keys.shape
    flat = keys.ravel()
    rows = np.repeat(np.arange(n, dtype=np.int64), width)
    return pairs_of_entries(flat[flat != 0], rows[flat != 0], max_bucket)


def pairs_of_entries(keys: np.ndarray, rows: np.ndarray, max_bucket: int) -> np.ndarray:
    """(pairs × 2) distinct row pairs (i < j) sharing a key among (key, row) entries."""
    if not len(keys):
        return np.zeros((0, 2), dtype=np.int64)
    rows = rows.astype(np.int64)
    n = int(rows.max()) + 1
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(keys)) + 1])
    sizes = np.diff(np.concatenate([starts, [len(keys)]]))
    ok = np.repeat(sizes <= max_bucket, sizes)
    keys, rows = keys[ok], rows[ok]
    pairs = []
    for d in range(1, max_bucket):  # rows d apart in one bucket
        same = keys[d:] == keys[:-d]
        if not same.any():
            break
        pairs.append(rows[:-d][same] * n + rows[d:][same])
    codes = np.unique(np.concatenate(pairs)) if pairs else np.zeros(0, dtype=np.int64)
    i, j = codes // n, codes % n
    return np.stack([i[i != j], j[i != j]], axis=1)  # a row may hold one key twice
