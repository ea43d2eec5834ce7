"""Filter storage, Dice, blocking keys and the key index, on random filters (no pseudonymizer)."""
import itertools

import numpy as np
import pytest

from rarelog_reconciler.linkage import (BlockingParams, FilterStore, KeyIndex, KeyMaker, candidate_pairs, dice,
                                        record_from_encoding)
from rarelog_reconciler.linkage.filters import FIELDS, to_words

WORDS = {f: (1 if f == "sex" else 8) for f in FIELDS}


def random_record(rng: np.random.Generator, density: float = 0.12, blocking=()) -> dict:
    record = {f: np.packbits(rng.random(64 * w) < density, bitorder="little").tobytes() for f, w in WORDS.items()}
    record["used"] = record["given_rest"] = record["date_swap"] = record["country"] = b""
    record["blocking"] = list(blocking)
    return record


def near_copy(rng: np.random.Generator, record: dict, flips: int = 6) -> dict:
    """The same record with a few bits moved in the name filters (a typo's worth)."""
    out = dict(record)
    for f in ("given", "surname"):
        bits = np.unpackbits(np.frombuffer(record[f], np.uint8), bitorder="little")
        bits[rng.choice(len(bits), flips, replace=False)] ^= 1
        out[f] = np.packbits(bits, bitorder="little").tobytes()
    return out


def test_words_and_dice():
    a = to_words(b"\x0f" + bytes(7), 1)
    b = to_words(b"\x03" + bytes(7), 1)
    assert a[0] == 15 and to_words(b"", 2).tolist() == [0, 0]
    result = dice(a[None], np.array([4]), b[None], np.array([2]))
    assert result[0] == pytest.approx(2 * 2 / 6)
    assert np.isnan(dice(a[None], np.array([4]), np.zeros((1, 1), np.uint64), np.array([0]))[0])
    with pytest.raises(ValueError):
        to_words(b"\x00" * 3, 1)


def test_store_grows_and_keeps_rows_and_popcounts():
    rng = np.random.default_rng(1)
    store = FilterStore(WORDS, capacity=2)
    records = [random_record(rng) for _ in range(5)]
    rows = store.add_many(records)
    assert rows.tolist() == [0, 1, 2, 3, 4] and store.size == 5
    raw = records[3]["surname"]
    assert store.field_bits("surname", np.array([3]))[0].tobytes() == raw
    assert store.field_pop("surname", np.array([3]))[0] == int.from_bytes(raw, "little").bit_count()
    assert store.field_pop("used", np.array([3]))[0] == 0


def test_an_encoding_value_becomes_a_flat_record():
    value = {"key_id": "k", "pseudonym": "p", "filters": {"given": b"\x01" * 64}, "blocking_keys": ["ab"],
             "foetus_rank": None}
    assert record_from_encoding(value) == {"given": b"\x01" * 64, "blocking": ["ab"], "foetus_rank": 0}


def test_keys_of_one_row_equal_keys_in_batch():
    rng = np.random.default_rng(2)
    records = [random_record(rng, blocking=[f"{i:016x}"]) for i in range(20)]
    store = FilterStore(WORDS)
    store.add_many(records)
    maker = KeyMaker(BlockingParams(), store.words)
    batch = maker.keys(store, np.arange(20), [r["blocking"] for r in records])
    for i in (0, 7, 19):
        assert np.array_equal(maker.keys(store, np.array([i]), [records[i]["blocking"]])[0], batch[i])


def test_near_copies_meet_through_lsh_and_strangers_rarely_do():
    rng = np.random.default_rng(3)
    originals = [random_record(rng) for _ in range(200)]
    records = originals + [near_copy(rng, r) for r in originals]
    store = FilterStore(WORDS)
    store.add_many(records)
    params = BlockingParams(equality_fields=(), swap_key=False, pseudonymizer_keys=False, lsh_groups=("given|surname",))
    keys = KeyMaker(params, store.words).keys(store, np.arange(len(records)), [[] for _ in records])
    pairs = {tuple(p) for p in candidate_pairs(keys, 50).tolist()}
    found = sum((i, i + 200) in pairs for i in range(200))
    assert found >= 190
    assert len(pairs) < 200 + 2000  # far from the 79,800 pairs of brute force


def test_exact_and_swapped_names_meet_through_equality_keys():
    rng = np.random.default_rng(4)
    a = random_record(rng)
    b = {**random_record(rng), "given": a["surname"], "surname": a["given"]}  # swapped, all else different
    c = {**random_record(rng), "date": a["date"]}
    store = FilterStore(WORDS)
    store.add_many([a, b, c])
    params = BlockingParams(lsh_groups=(), pseudonymizer_keys=False)
    keys = KeyMaker(params, store.words).keys(store, np.arange(3), [[], [], []])
    assert {tuple(p) for p in candidate_pairs(keys, 50).tolist()} == {(0, 1), (0, 2)}


def test_hardened_filters_need_no_equality_keys():
    assert BlockingParams.for_encoding(0.02).equality_fields == () and not BlockingParams.for_encoding(0.02).swap_key
    assert BlockingParams.for_encoding(0.0) == BlockingParams()


def brute_force(entries: list[tuple[int, int]], query: list[int], cap: int) -> set[int]:
    buckets: dict[int, set[int]] = {}
    for key, row in entries:
        buckets.setdefault(key, set()).add(row)
    out: set[int] = set()
    for key in query:
        rows = buckets.get(key, set())
        if len([1 for k, _ in entries if k == key]) <= cap:
            out |= rows
    return out


def test_key_index_matches_brute_force_across_flushes_and_merges():
    rng = np.random.default_rng(5)
    index = KeyIndex(flush_at=40)  # tiny: many runs and merges
    entries = []
    for row in range(300):
        keys = rng.integers(1, 60, size=3).astype(np.uint64)
        index.add(keys, row)
        entries += [(int(k), row) for k in keys]
    assert len(index.runs) >= 1 and index.entries() == len(entries)
    for query in ([1, 2, 3], [59], [7, 7, 11]):
        for cap in (5, 20, 1000):
            got = set(index.lookup(np.array(query, dtype=np.uint64), cap).tolist())
            assert got == brute_force(entries, query, cap)


def test_look_ups_between_additions_see_every_entry_after_merges():
    # The service looks up before each addition: a directory made for a run must never serve the
    # run that replaces it (a merged run can be allocated where a freed one was, with its id).
    rng = np.random.default_rng(8)
    index, entries = KeyIndex(flush_at=16), []
    for row in range(2_000):
        keys = rng.integers(1, 400, size=4).astype(np.uint64)
        query = keys[:2].tolist()
        assert set(index.lookup(np.array(query, dtype=np.uint64), 1000).tolist()) == brute_force(entries, query, 1000)
        index.add(keys, row)
        entries += [(int(k), row) for k in keys]


def test_bulk_loaded_index_equals_one_by_one():
    rng = np.random.default_rng(6)
    keys = rng.integers(0, 30, size=(100, 4)).astype(np.uint64)  # 0 = no key
    one, bulk = KeyIndex(flush_at=25), KeyIndex()
    for row in range(100):
        one.add(keys[row], row)
    bulk.add_many(keys, np.arange(100))
    for query in itertools.islice(itertools.combinations(range(1, 30), 2), 50):
        q = np.array(query, dtype=np.uint64)
        assert one.lookup(q, 1000).tolist() == bulk.lookup(q, 1000).tolist()


def test_the_index_lists_the_same_candidate_pairs_as_the_batch():
    rng = np.random.default_rng(8)
    keys = rng.integers(0, 40, size=(80, 3)).astype(np.uint64)
    index = KeyIndex(flush_at=30)
    for row in range(80):
        index.add(keys[row], row)
    assert index.pairs(10).tolist() == candidate_pairs(keys, 10).tolist()
