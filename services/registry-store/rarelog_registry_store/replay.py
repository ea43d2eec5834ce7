"""Bulk replay: the patient events read from offset zero (read_committed), folded in memory in
their log order (projection.py) and written once each with COPY into a fresh pair of schemas
made by the ordinary migrations; then `patient` in one INSERT…SELECT. The sink's per-batch
upserts would give the same rows; this path avoids their round trips and repeated rewrites.
Sealed payloads are opened as the sink opens them (sealed.py), with the key store as it is now:
those of erased records do not open and are skipped, and each PatientErased deletes, at its place
in the log, what remains of its patient. A replay that stops short of the log's end (as of a
moment, or at the live sink's position) applies the erasures beyond its stop too: their keys are
gone already, and an erasure is never undone by rebuilding the past.
"""
from __future__ import annotations

import sys
import time
from contextlib import closing, contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator, TextIO

import psycopg
from confluent_kafka import Message, TopicPartition
from psycopg.types.json import Jsonb

from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.serde import AvroCatalog, UndecodableMessage
from rarelog_kit.sink_loop import store_offsets
from rarelog_kit.topic_reader import read_to_end
from rarelog_kit.topics import KEYS_RECORDS, PATIENT_EVENTS

from . import domain, omop, store
from .clinical_rows import TABLES as CLINICAL_TABLES
from .death_rows import DEATH_COLUMNS
from .entrypoint import EVENT_TYPES
from .erasure import AUDIT_COLUMNS
from .migrations import migrate
from .projection import Projection
from .sealed import Opener

QUARANTINE_COLUMNS = ("topic", "partition", "kafka_offset", "reason_code", "reason", "payload")
MATCH_COLUMNS = (*domain.POSSIBLE_MATCH_COLUMNS, "status", "resolved_event_id", "resolved_at", "reviewer")
_AGREEMENT = domain.POSSIBLE_MATCH_COLUMNS.index("agreement")
KEY_BATCH = 2000  # events between two reads of the key store at most, as the sink's batches


def sink_group(topic_prefix: str) -> str:
    """The registry-store sink's consumer group, whose position the replay stores."""
    return f"{topic_prefix}rarelog-registry-store"


@dataclass
class Result:
    registry: str
    analytics: str
    next_offset: int | None  # the position stored: the last event replayed + 1
    events: int
    rows: int
    read_seconds: float
    write_seconds: float
    skipped: int = 0  # sealed payloads whose data key is gone (erased records)


class Progress:
    """Counts on stderr, at most every two seconds: a national replay takes a while."""

    def __init__(self, out: TextIO | None = sys.stderr) -> None:
        self.out, self.start, self.last = out, time.monotonic(), 0.0

    def show(self, what: str, n: int, force: bool = False) -> None:
        now = time.monotonic()
        if self.out is None or (not force and now - self.last < 2):
            return
        self.last = now
        rate = n / max(now - self.start, 1e-9)
        print(f"replay: {what} {n:,} ({rate:,.0f}/s)", file=self.out, flush=True)


def read_events(client_config: dict, topic: str, *, start: int = 0, stop: int | None = None,
                as_of_ms: int | None = None) -> Iterator[Message]:
    """The committed events from `start`, up to offset `stop` (excluded), or up to the first whose
    message timestamp is later than `as_of_ms` (a prefix of the log: a state it went through)."""
    messages = read_to_end(client_config, topic, start_offsets={0: start} if start else None)
    with closing(messages):
        for m in messages:
            if (stop is not None and m.offset() >= stop) or (as_of_ms is not None and m.timestamp()[1] > as_of_ms):
                return
            yield m


def fold(messages: Iterable[Message], catalog: AvroCatalog, progress: Progress,
         opener: Opener | None = None) -> tuple[Projection, list[tuple], int | None, int]:
    """(projection, quarantined rows, next offset, events read), decoding and opening as the sink
    does (opener None: no key store, so sealed payloads are skipped)."""
    opener = opener or Opener(catalog, None)
    projection, quarantined, last, n = Projection(), [], None, 0
    for m in messages:
        last, n = m, n + 1
        progress.show("events read", n)
        if n % KEY_BATCH == 1:
            opener.batch_ended()  # a key committed since the store was read is found at its record
        try:
            decoded = catalog.decode(m.value(), expect=EVENT_TYPES)
            value = opener.open(decoded.schema_name, decoded.value)
            if value is None:
                continue  # sealed under an erased key
            problem = domain.unappliable(decoded.schema_name, value)
            if problem is not None:
                raise UndecodableMessage("unappliable-event", problem)
        except UndecodableMessage as exc:
            quarantined.append((m.topic(), m.partition(), m.offset(), exc.code, str(exc), m.value()))
            continue
        projection.apply(decoded.schema_name, value)
    progress.show("events read", n, force=True)
    return projection, quarantined, (last.offset() + 1 if last is not None else None), n


def erasures_after(messages: Iterable[Message], catalog: AvroCatalog, projection: Projection) -> int:
    """Applies the erasures among `messages` (the log beyond a replay's stop); returns how many.
    Other events are refused by their header, without decoding their body."""
    n = 0
    for m in messages:
        try:
            decoded = catalog.decode(m.value(), expect=domain.ERASURE_EVENTS)
        except UndecodableMessage:
            continue
        projection.apply(decoded.schema_name, decoded.value)
        n += 1
    return n


def write(conn: psycopg.Connection, registry: str, projection: Projection, quarantined: list[tuple],
          position: tuple[str, str, int] | None, progress: Progress) -> int:
    """Writes every event-derived table in the caller's transaction; returns the rows written.
    position: (consumer group, topic, next offset) stored as the sink would store it."""
    written = 0

    def copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
        nonlocal written
        with cur.copy(f"COPY {registry}.{table} ({', '.join(columns)}) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
                written += 1
                if not written % 50_000:
                    progress.show("rows written", written)

    with conn.cursor() as cur, _without_foreign_keys(cur, registry):
        copy("record", domain.RECORD_COLUMNS, projection.record_rows())  # first: the others reference it
        copy("diagnosis", domain.DIAGNOSIS_COLUMNS, projection.child_rows("diagnosis"))
        for table, columns in CLINICAL_TABLES.items():
            copy(table, columns, projection.child_rows(table))
        copy("possible_match", MATCH_COLUMNS,
             ((*r[:_AGREEMENT], Jsonb(r[_AGREEMENT]), *r[_AGREEMENT + 1:]) for r in projection.matches.values()))
        copy("patient_link_event", domain.LINK_EVENT_COLUMNS, projection.journal.values())
        copy("death_verified", DEATH_COLUMNS, projection.death_rows())
        copy("erasure_audit", AUDIT_COLUMNS, projection.audit_rows())
        copy("quarantined_event", QUARANTINE_COLUMNS, quarantined)
        cur.execute(store.patients_sql(registry))
        written += cur.rowcount
        if position is not None:
            group, topic, offset = position
            store_offsets(conn, registry, group, [TopicPartition(topic, 0, offset)])
    progress.show("rows written", written, force=True)
    return written


@contextmanager
def _without_foreign_keys(cur: psycopg.Cursor, registry: str):
    """A foreign key checks each COPY'd row with a lookup; dropped and added back once loaded, it
    checks the whole table in one join (same names, same definitions: the same schema)."""
    keys = cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                       "WHERE contype = 'f' AND connamespace = %s::regnamespace", (registry,)).fetchall()
    for table, name, _ in keys:
        cur.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    for table, name, definition in keys:
        cur.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def copy_centres(conn: psycopg.Connection, registry: str, source: str | None) -> None:
    """The centre directory and the disclosure threshold are settings, not in the log: they come
    from the live warehouse (a threshold above the default must not weaken after a replay). So
    does when each erasure was applied: the audit says when the registry erased, not when it
    was rebuilt."""
    if source and conn.execute("SELECT to_regclass(%s)", (f"{source}.centre",)).fetchone()[0]:
        conn.execute(f"INSERT INTO {registry}.centre SELECT * FROM {source}.centre")
    if source and conn.execute("SELECT to_regclass(%s)", (f"{source}.disclosure_setting",)).fetchone()[0]:
        conn.execute(f"DELETE FROM {registry}.disclosure_setting")
        conn.execute(f"INSERT INTO {registry}.disclosure_setting SELECT * FROM {source}.disclosure_setting")
    if source and conn.execute("SELECT to_regclass(%s)", (f"{source}.erasure_audit",)).fetchone()[0]:
        conn.execute(f"UPDATE {registry}.erasure_audit a SET applied_at = s.applied_at FROM {source}.erasure_audit s "
                     "WHERE s.erased_at = a.erased_at AND s.tag = a.tag")


def finish(conn: psycopg.Connection, registry: str, projection: Projection, source: str | None) -> None:
    """What the log does not hold, from the live warehouse `source`, then the OMOP tables as of
    the replay, with the live warehouse's person ids (omop.py) but none of an id an erasure left
    without a record (the live warehouse may not have applied that erasure yet)."""
    copy_centres(conn, registry, source)
    omop.copy_ids(conn, registry, source)
    with conn.cursor() as cur:
        omop.forget_persons(cur, registry, sorted(projection.forgotten))
    omop.refresh(conn, registry, omop.vocabulary_of(conn, source))


def key_store(client_config: dict, topic: str, catalog: AvroCatalog) -> DataKeyStore:
    """The key store of the deployment whose patient events are `topic` (same prefix), loaded."""
    keys = DataKeyStore(catalog, client_config, topic.removesuffix(PATIENT_EVENTS) + KEYS_RECORDS)
    keys.load()
    return keys


def replay(database_url: str, client_config: dict, topic: str, registry: str, analytics: str, *,
           group: str, stop: int | None = None, as_of_ms: int | None = None, centres_from: str | None = None,
           progress: Progress | None = None, catalog: AvroCatalog | None = None,
           keys: DataKeyStore | None = None) -> Result:
    """Builds `registry` + `analytics` (which must not exist yet) from the log. keys: the data key
    store (read from the deployment's key store topic when not given)."""
    progress = progress or Progress()
    catalog = catalog or AvroCatalog()
    with psycopg.connect(database_url) as conn:
        taken = conn.execute("SELECT nspname FROM pg_namespace WHERE nspname IN (%s, %s)",
                             (registry, analytics)).fetchall()
    if taken:
        raise ValueError(f"schema {taken[0][0]} exists already: a replay writes into new schemas only")
    migrate(database_url, registry, analytics)
    t0 = time.monotonic()
    opener = Opener(catalog, keys if keys is not None else key_store(client_config, topic, catalog))
    projection, quarantined, next_offset, events = fold(
        read_events(client_config, topic, stop=stop, as_of_ms=as_of_ms), catalog, progress, opener)
    if stop is not None or as_of_ms is not None:
        erasures_after(read_events(client_config, topic, start=next_offset or 0), catalog, projection)
    if opener.skipped_total and progress.out is not None:
        print(f"replay: {opener.skipped_total:,} sealed payloads skipped (their records' data keys are erased)",
              file=progress.out, flush=True)
    t1 = time.monotonic()
    with psycopg.connect(database_url) as conn:
        rows = write(conn, registry, projection, quarantined,
                     None if next_offset is None else (group, topic, next_offset), Progress(progress.out))
        finish(conn, registry, projection, centres_from)
    return Result(registry, analytics, next_offset, events, rows, t1 - t0, time.monotonic() - t1,
                  opener.skipped_total)
