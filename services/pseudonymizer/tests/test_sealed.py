"""The pseudonymizer seals what it publishes (docs/decisions/0011): content and linkage under the
record's data key, the key made once per record and committed with it, the same bytes again after
an aborted transaction."""
from __future__ import annotations

import json

import pytest

from rarelog.cohort.generator import CohortSpec, generate
from rarelog_ingest import domain as ingest
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.messages import Inbound
from rarelog_kit.sealing import Unsealable, new_data_key, unseal
from rarelog_kit.serde import AvroCatalog
from rarelog_pseudonymizer import domain
from rarelog_pseudonymizer.entrypoint import PseudonymizerProcessor
from rarelog_pseudonymizer.keys import KeyRing, PseudonymKey
from rarelog_pseudonymizer.sealed import CLEARED, CONTENT_FIELDS, LINKAGE_FIELDS, open_record, seal_record

CATALOG = AvroCatalog()
KEY = PseudonymKey(b"sealing-test-key-".ljust(32, b"x"))
DATA_KEY = bytes(range(32))
OUT, KEYS, DLQ = "p.registry.pseudonymized.records", "p.registry.keys.records", "p.registry.intake.records.dlq"


def decode(name: str, raw: bytes) -> dict:
    return CATALOG.decode(raw, expect=(name,)).value


def canonicals(n: int = 40, seed: int = 5) -> list[dict]:
    """CanonicalRecord values from the synthetic generator, as ingest accepts them."""
    spec = CohortSpec(max(n, 20), 4, seed)
    schema = CATALOG.expanded("Submission")
    out = []
    for i, g in enumerate(generate(spec)):
        if len(out) == n:
            break
        submission = ingest.from_json(json.loads(json.dumps(g.submission, ensure_ascii=False)))
        decided = ingest.decide(submission, schema, event_id=f"in-{i}", received_at_ms=1_780_000_000_000 + i,
                                today=spec.reference_day)
        assert isinstance(decided, ingest.Accepted), decided
        out.append(decided.record)
    return out


CANONICALS = canonicals()


def pseudonymised(canonical: dict, event_id: str = "ps-1") -> dict:
    return domain.pseudonymise(KeyRing(KEY), canonical, event_id)


def avro(name: str, value: dict) -> dict:
    """A value as a reader decodes it (every field present, defaults filled in)."""
    return decode(name, CATALOG.encode(name, value))


# -- seal_record ---------------------------------------------------------------------------------

@pytest.mark.parametrize("canonical", CANONICALS[:12])
def test_a_sealed_record_opens_to_what_pseudonymise_made(canonical):
    plain = pseudonymised(canonical)
    sealed = avro("PseudonymisedRecord", seal_record(plain, DATA_KEY, CATALOG.encode))
    assert {k: sealed[k] for k in CLEARED} == CLEARED  # the plaintext fields at their defaults
    content = decode("SealedContent", unseal(DATA_KEY, sealed["content"], record_key=plain["record_key"],
                                             purpose="content"))
    linkage = decode("SealedLinkage", unseal(DATA_KEY, sealed["sealed_linkage"], record_key=plain["record_key"],
                                             purpose="linkage"))
    expected = avro("PseudonymisedRecord", plain)
    assert content == {f: expected[f] for f in CONTENT_FIELDS}
    assert linkage == {f: expected[f] for f in LINKAGE_FIELDS}
    assert linkage["pseudonym"] == plain["pseudonym"] and linkage["linkage"]
    assert open_record(sealed, DATA_KEY, decode) == {k: v for k, v in expected.items()
                                                     if k not in ("content", "sealed_linkage")}
    # The ids stay in clear: the log's order and the warehouse's keys need them.
    for field in ("event_id", "record_key", "centre_id", "key_id", "operation", "received_at"):
        assert sealed[field] == expected[field]


def test_a_sealed_record_does_not_open_with_another_key_or_record():
    plain = pseudonymised(CANONICALS[0])
    sealed = seal_record(plain, DATA_KEY, CATALOG.encode)
    with pytest.raises(Unsealable):
        open_record(sealed, new_data_key(), decode)
    with pytest.raises(Unsealable):
        open_record(sealed, None, decode)  # erased
    with pytest.raises(Unsealable):
        open_record({**sealed, "record_key": "another-record"}, DATA_KEY, decode)
    with pytest.raises(Unsealable):  # the linkage is not the content
        unseal(DATA_KEY, sealed["sealed_linkage"], record_key=plain["record_key"], purpose="content")


def needles(value) -> set:
    """Every string (5 characters or more) and byte string (8 bytes or more) inside a value."""
    if isinstance(value, dict):
        return set().union(*map(needles, value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*map(needles, value)) if value else set()
    if isinstance(value, str) and len(value) >= 5:
        return {value.encode()}
    if isinstance(value, bytes) and len(value) >= 8:
        return {value}
    return set()


def test_no_pseudonym_encoding_or_content_is_left_in_the_sealed_bytes():
    found = 0
    for i, canonical in enumerate(CANONICALS):
        plain = pseudonymised(canonical, f"ps-{i}")
        secrets = set()
        for field in (*CONTENT_FIELDS, *LINKAGE_FIELDS):
            secrets |= needles(plain[field])
        # What the identity is made of, and the values derived from it, one by one.
        for entry in plain["linkage"]:
            secrets |= {entry["pseudonym"].encode(), *(k.encode() for k in entry["blocking_keys"]),
                        *entry["filters"].values()}
        secrets -= {plain[f].encode() for f in ("event_id", "record_key", "centre_id", "key_id")}
        clear = CATALOG.encode("PseudonymisedRecord", plain)
        # Enum symbols travel as numbers: what is looked for is what the plaintext bytes show.
        secrets = {s for s in secrets if s in clear}
        assert plain["pseudonym"].encode() in secrets
        assert {d["orphacode"].encode() for d in plain["diagnoses"] if d.get("orphacode")} <= secrets
        sealed = CATALOG.encode("PseudonymisedRecord", seal_record(plain, new_data_key(), CATALOG.encode))
        leaks = sorted(s for s in secrets if s in sealed)
        assert not leaks, f"record {i}: {leaks[:5]}"
        for name in needles(canonical["record"]["identity"]):
            assert name not in sealed
        found += len(secrets)
    assert found > 500


def test_sealing_is_deterministic_per_key_and_event():
    plain = pseudonymised(CANONICALS[1])
    once = CATALOG.encode("PseudonymisedRecord", seal_record(plain, DATA_KEY, CATALOG.encode))
    assert once == CATALOG.encode("PseudonymisedRecord", seal_record(plain, DATA_KEY, CATALOG.encode))
    assert once != CATALOG.encode("PseudonymisedRecord", seal_record(plain, new_data_key(), CATALOG.encode))
    other_event = seal_record({**plain, "event_id": "ps-2"}, DATA_KEY, CATALOG.encode)
    assert other_event["content"][1:13] != seal_record(plain, DATA_KEY, CATALOG.encode)["content"][1:13]


# -- the processor and its key store -------------------------------------------------------------

class TopicKeyStore(DataKeyStore):
    """The key store over an in-memory topic: `committed` is what a read_committed reader sees."""

    def __init__(self, committed: list[tuple[bytes, bytes | None]]) -> None:
        super().__init__(CATALOG, {}, KEYS)
        self.committed = committed
        self.reads = 0

    def catch_up(self) -> int:
        self.reads += 1
        new = self.committed[self._next:]
        for key, value in new:
            self.apply(key.decode(), value)
        self._next = len(self.committed)
        self._fresh = True
        return len(new)


class Loop:
    """What TransactionalLoop does with the processor, without a broker: process a batch, then
    commit it (outputs become visible, on_commit) or abort it (outputs vanish, on_abort)."""

    def __init__(self, committed: list | None = None) -> None:
        self.keys_topic = [] if committed is None else committed
        self.records: list[bytes] = []
        self.store = TopicKeyStore(self.keys_topic)
        self.processor = PseudonymizerProcessor(CATALOG, KeyRing(KEY), self.store, OUT, KEYS, DLQ)
        self.processor.on_start()
        self.offset = 0

    def batch(self, canonicals: list[dict], commit: bool = True) -> list:
        outs = []
        for c in canonicals:
            self.offset += 1
            outs += self.processor.process(Inbound("p.registry.intake.records", 0, self.offset, None,
                                                   CATALOG.encode("CanonicalRecord", c), 0))
        if commit:
            self.keys_topic += [(o.key, o.value) for o in outs if o.topic == KEYS]
            self.records += [o.value for o in outs if o.topic == OUT]
            self.processor.on_commit()
        else:
            self.processor.on_abort()
        return outs


def key_messages(outs) -> list[tuple[str, bytes]]:
    return [(o.key.decode(), decode("RecordDataKey", o.value)["data_key"]) for o in outs if o.topic == KEYS]


def upsert(canonical: dict, event: str) -> dict:
    return {**canonical, "event_id": event}


def test_a_new_record_gets_a_key_committed_with_it_and_a_known_one_none():
    loop = Loop()
    first = loop.batch([CANONICALS[0]])
    [(record_key, data_key)] = key_messages(first)
    assert [o.topic for o in first] == [KEYS, OUT]
    record = decode("PseudonymisedRecord", first[1].value)
    assert record["record_key"] == record_key and first[1].key == record_key.encode()
    assert open_record(record, data_key, decode)["pseudonym"] == pseudonymised(CANONICALS[0])["pseudonym"]

    # A new version of the same record, in a later batch: the same key, no key message.
    later = loop.batch([upsert(CANONICALS[0], "in-again")])
    assert [o.topic for o in later] == [OUT]
    again = decode("PseudonymisedRecord", later[0].value)
    assert open_record(again, data_key, decode)["diagnoses"] == open_record(record, data_key, decode)["diagnoses"]

    # Two versions of a new record in one batch: one key message.
    both = loop.batch([CANONICALS[1], upsert(CANONICALS[1], "in-1-again"), CANONICALS[2]])
    assert [o.topic for o in both] == [KEYS, OUT, OUT, KEYS, OUT]
    assert len({k for k, _ in key_messages(both)}) == 2
    assert len(loop.keys_topic) == 3


def test_a_key_in_the_store_is_used_and_not_produced_again():
    """A key committed before this instance started (another instance, an earlier run)."""
    record_key = pseudonymised(CANONICALS[3])["record_key"]
    committed = [(record_key.encode(), CATALOG.encode("RecordDataKey", {"data_key": DATA_KEY}))]
    outs = Loop(committed).batch([CANONICALS[3]])
    assert [o.topic for o in outs] == [OUT]
    assert open_record(decode("PseudonymisedRecord", outs[0].value), DATA_KEY, decode)["linkage"]


def test_withdrawals_and_oppositions_are_published_without_a_key():
    loop = Loop()
    loop.batch([CANONICALS[0]])
    for operation in ("WITHDRAW", "OPPOSE"):
        outs = loop.batch([{**CANONICALS[0], "event_id": f"in-{operation}", "operation": operation, "record": None}])
        assert [o.topic for o in outs] == [OUT]
        record = decode("PseudonymisedRecord", outs[0].value)
        assert record["operation"] == operation and record["content"] is None and record["sealed_linkage"] is None
    assert len(loop.keys_topic) == 1


def test_a_batch_produced_again_after_an_abort_is_the_same_bytes():
    loop = Loop()
    loop.batch([CANONICALS[0]])
    batch = [upsert(CANONICALS[0], "in-0-v2"), CANONICALS[4], CANONICALS[5], upsert(CANONICALS[4], "in-4-v2")]
    aborted = loop.batch(batch, commit=False)
    assert loop.keys_topic == loop.keys_topic[:1]  # nothing of it committed
    retried = loop.batch(batch)
    assert [(o.topic, o.key, o.value) for o in retried] == [(o.topic, o.key, o.value) for o in aborted]
    assert len(key_messages(retried)) == 2  # the new records' keys, produced again with them
    # Committed now: a further version uses the key and produces none.
    assert [o.topic for o in loop.batch([upsert(CANONICALS[5], "in-5-v3")])] == [OUT]
    # A second abort and retry of a batch of known records: still the same bytes, no key.
    once = loop.batch([upsert(CANONICALS[5], "in-5-v4")], commit=False)
    assert once == loop.batch([upsert(CANONICALS[5], "in-5-v4")])


def test_a_key_committed_elsewhere_after_an_abort_wins_over_the_aborted_one():
    shared: list = []
    loop = Loop(shared)
    aborted = loop.batch([CANONICALS[6]], commit=False)
    [(record_key, ours)] = key_messages(aborted)
    shared.append((record_key.encode(), CATALOG.encode("RecordDataKey", {"data_key": DATA_KEY})))  # another instance
    outs = loop.batch([CANONICALS[6]])
    assert [o.topic for o in outs] == [OUT]
    assert open_record(decode("PseudonymisedRecord", outs[0].value), DATA_KEY, decode)["pseudonym"]


def test_a_record_submitted_again_after_its_erasure_gets_a_new_key():
    loop = Loop()
    [(record_key, old)] = key_messages(loop.batch([CANONICALS[7]]))
    loop.keys_topic.append((record_key.encode(), None))  # the reconciler erased it
    outs = loop.batch([upsert(CANONICALS[7], "in-7-again")])
    [(again, new)] = key_messages(outs)
    assert again == record_key and new != old
    record = decode("PseudonymisedRecord", outs[1].value)
    assert open_record(record, new, decode)["pseudonym"]
    with pytest.raises(Unsealable):
        open_record(record, old, decode)


def test_the_key_store_is_read_at_most_once_per_batch():
    loop = Loop()
    assert loop.store.reads == 1  # loaded on start
    loop.batch(CANONICALS[8:14])  # read once more: keys may have come (or gone) since the load
    assert loop.store.reads == 2
    loop.batch(CANONICALS[14:20] + [upsert(CANONICALS[8], "in-8-again")])
    assert loop.store.reads == 3


def test_an_undecodable_message_is_dead_lettered_without_a_key():
    loop = Loop()
    outs = loop.processor.process(Inbound("p.registry.intake.records", 0, 1, b"k", b"\x00garbage", 0))
    assert [o.topic for o in outs] == [DLQ]
    assert not loop.keys_topic and not loop.store.keys
