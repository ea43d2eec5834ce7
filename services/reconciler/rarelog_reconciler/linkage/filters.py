"""Field filters as packed uint64 rows, and Dice similarity on them. Pure numpy.

The pseudonymizer sends each field's Bloom filter as little-endian bytes (b"" when unknown).
Here every record is one row of a growable uint64 matrix holding all its fields side by side,
with each field's popcount beside it, so comparing a record with n others is one gather, one
AND, one `np.bitwise_count` and one segmented sum, whatever the number of fields.
"""
from __future__ import annotations

import numpy as np

# The filters the reconciler keeps. "used" (nom d'usage) and "date_swap" (day and month exchanged)
# only sharpen the surname and birth-date comparisons; "given_rest" (further given names) and
# "country" (of birth, when born abroad: a 99xxx code) are compared fields of their own.
FIELDS = ("given", "given_rest", "surname", "used", "date", "date_swap", "place", "country", "sex")


def record_from_encoding(value: dict) -> dict:
    """A LinkageEncoding value (filters map, blocking_keys, foetus_rank) → the flat dict this
    package reads: each field's filter bytes, "blocking" and "foetus_rank"."""
    return {**(value.get("filters") or {}), "blocking": list(value.get("blocking_keys") or []),
            "foetus_rank": value.get("foetus_rank") or 0}


def to_words(raw: bytes, words: int) -> np.ndarray:
    """Bytes → uint64 words (bit p of the filter = bit p % 64 of word p // 64); b"" → zeros."""
    row = np.zeros(words, dtype=np.uint64)
    if raw:
        if len(raw) != 8 * words:
            raise ValueError(f"a filter of {len(raw)} bytes where {8 * words} were expected")
        row[:] = np.frombuffer(raw, dtype="<u8")
    return row


def popcount(rows: np.ndarray) -> np.ndarray:
    return np.bitwise_count(rows).sum(axis=-1, dtype=np.int32)


def dice(a: np.ndarray, pa: np.ndarray, b: np.ndarray, pb: np.ndarray) -> np.ndarray:
    """Dice of row pairs (a[i], b[i]); NaN when either filter is empty (field unknown)."""
    shared = np.bitwise_count(a & b).sum(axis=-1, dtype=np.int32)
    total = (pa + pb).astype(np.float32)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = 2.0 * shared / total
    out[(pa == 0) | (pb == 0)] = np.nan
    return out


class FilterStore:
    """All fields of every record, in insertion order (row number = record number): `bits`
    (records × words of all fields) and `pop` (records × fields). Capacity doubles as records
    arrive, so adding one record is amortised O(1)."""

    def __init__(self, words: dict[str, int], capacity: int = 1024):
        self.words = {f: int(words.get(f) or 1) for f in FIELDS}
        self.slices, start = {}, 0
        for f in FIELDS:
            self.slices[f] = slice(start, start + self.words[f])
            start += self.words[f]
        self.width = start
        self.column = {f: i for i, f in enumerate(FIELDS)}
        self.size = 0
        self.bits = np.zeros((capacity, self.width), dtype=np.uint64)
        self.pop = np.zeros((capacity, len(FIELDS)), dtype=np.int16)

    @classmethod
    def for_records(cls, records: list[dict], capacity: int = 1024) -> "FilterStore":
        """Infers each field's width from the first record that has it."""
        words = {f: 0 for f in FIELDS}
        for record in records:
            for f in FIELDS:
                if not words[f] and record.get(f):
                    words[f] = len(record[f]) // 8
            if all(words.values()):
                break
        # a field no record has: as wide as its sibling, so that crosswise comparisons line up
        for f, like in (("given_rest", "given"), ("used", "surname"), ("date_swap", "date"), ("country", "place")):
            words[f] = words[f] or words[like]
        return cls(words, max(capacity, len(records)))

    def field_bits(self, field: str, rows: np.ndarray) -> np.ndarray:
        return self.bits[rows, self.slices[field]]

    def field_pop(self, field: str, rows: np.ndarray) -> np.ndarray:
        return self.pop[rows, self.column[field]]

    def _grow(self, needed: int) -> None:
        if needed <= len(self.bits):
            return
        capacity = max(needed, 2 * len(self.bits))
        bits, pop = np.zeros((capacity, self.width), dtype=np.uint64), np.zeros((capacity, len(FIELDS)), np.int16)
        bits[:self.size], pop[:self.size] = self.bits[:self.size], self.pop[:self.size]
        self.bits, self.pop = bits, pop

    def _row(self, record: dict) -> tuple[np.ndarray, list[int]]:
        parts, pops = [], []
        for f in FIELDS:
            raw = record.get(f) or b""
            parts.append(raw or bytes(8 * self.words[f]))
            if raw and len(raw) != 8 * self.words[f]:
                raise ValueError(f"a {f} filter of {len(raw)} bytes where {8 * self.words[f]} were expected")
            pops.append(int.from_bytes(raw, "little").bit_count() if raw else 0)
        return np.frombuffer(b"".join(parts), dtype="<u8"), pops

    def add_rows_of(self, records: list[dict]) -> np.ndarray:
        """Appends many records at once (the same rows as `add` one by one): each field's
        filters joined into one buffer and counted with one np.bitwise_count; returns the rows."""
        start, n = self.size, len(records)
        self._grow(start + n)
        for c, f in enumerate(FIELDS):
            width = 8 * self.words[f]
            raws = [record.get(f) or b"" for record in records]
            if any(len(raw) != width for raw in raws if raw):
                raise ValueError(f"a {f} filter of the wrong length where {width} bytes were expected")
            empty = bytes(width)
            block = np.frombuffer(b"".join([raw or empty for raw in raws]), dtype="<u8").reshape(n, self.words[f])
            self.bits[start:start + n, self.slices[f]] = block
            self.pop[start:start + n, c] = np.bitwise_count(block).sum(axis=1, dtype=np.int32)
        self.size += n
        return np.arange(start, self.size)

    def add(self, record: dict) -> int:
        """Appends one record (its encodings dict); returns its row."""
        return self.add_row(*self._row(record))

    def add_row(self, bits: np.ndarray, pops: list[int]) -> int:
        row = self.size
        self._grow(row + 1)
        self.bits[row], self.pop[row] = bits, pops
        self.size += 1
        return row

    def add_many(self, records: list[dict]) -> np.ndarray:
        start = self.size
        self._grow(start + len(records))
        for record in records:
            self.add(record)
        return np.arange(start, self.size)

    def nbytes(self) -> int:
        return self.bits[:self.size].nbytes + self.pop[:self.size].nbytes
