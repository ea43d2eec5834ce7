"""Putting a replayed warehouse in the live one's place while the sink runs.

The replay reads the log up to the live sink's stored position; meanwhile the sink goes on. The
fresh schemas are brought to the sink's position through the sink's own code (WarehouseSink),
in batches while the gap is large, then, in one transaction holding the lock every sink batch
takes first (store.lock_warehouse), to its exact position, and the schemas are renamed: the live and fresh pairs, and with them
their OMOP schemas (`<registry>_omop`) when the caller passes triples.
A sink batch waiting on the lock then resolves `registry.…` to the renamed fresh tables and
carries on from its in-memory position, which is the position the fresh schema now stores.
Views and the SQL-standard band_of are bound to their tables, not to schema names, so each
analytics schema keeps reading its own registry schema across the renames.
"""
from __future__ import annotations

import psycopg

from rarelog_kit.kafka_loop import next_offsets, to_inbound
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.sink_loop import store_offsets, stored_offsets

from . import store
from .entrypoint import Quarantine, WarehouseSink
from .replay import key_store, read_events
from .sealed import Opener

BATCH = 2000


def position(conn: psycopg.Connection, schema: str, group: str, topic: str) -> int | None:
    if conn.execute("SELECT to_regclass(%s)", (f"{schema}.consumer_offset",)).fetchone()[0] is None:
        return None
    return stored_offsets(conn, schema, group).get((topic, 0))


def catch_up(conn: psycopg.Connection, client_config: dict, topic: str, schema: str, group: str,
             start: int, stop: int, catalog: AvroCatalog, keys: DataKeyStore) -> int:
    """Applies the events [start, stop) to `schema` as the sink would, in the caller's transaction."""
    sink, batch, n = WarehouseSink(catalog, schema, Quarantine(schema), Opener(catalog, keys)), [], 0
    for m in read_events(client_config, topic, start=start, stop=stop):
        batch.append(m)
        if len(batch) == BATCH:
            n += _apply(conn, sink, schema, group, batch)
            batch = []
    return n + (_apply(conn, sink, schema, group, batch) if batch else 0)


def _apply(conn, sink: WarehouseSink, schema: str, group: str, batch: list) -> int:
    sink.apply(conn, [to_inbound(m) for m in batch])
    store_offsets(conn, schema, group, next_offsets(batch))
    return len(batch)


def switch(database_url: str, client_config: dict, topic: str, group: str, live: tuple[str, ...],
           fresh: tuple[str, ...], suffix: str, catalog: AvroCatalog | None = None,
           keys: DataKeyStore | None = None) -> tuple[str, ...] | None:
    """Renames `live` to `<name>_old_<suffix>` and `fresh` to the live names (registry and
    analytics first, then any further schemas, such as the OMOP one); returns the old names
    (None when there was no live warehouse). keys: the data key store (read when not given)."""
    catalog = catalog or AvroCatalog()
    keys = keys if keys is not None else key_store(client_config, topic, catalog)
    while True:  # large gaps first, outside the lock: the sink is held up only for the last few events
        with psycopg.connect(database_url) as conn:
            target, done = position(conn, live[0], group, topic), position(conn, fresh[0], group, topic) or 0
            if target is None or target - done <= BATCH:
                break
            catch_up(conn, client_config, topic, fresh[0], group, done, target, catalog, keys)
    with psycopg.connect(database_url) as conn:
        store.lock_warehouse(conn, live[0])
        target, done = position(conn, live[0], group, topic), position(conn, fresh[0], group, topic) or 0
        if target is not None and target < done:
            raise RuntimeError(f"the live warehouse is at offset {target}, behind the replay ({done}): "
                               "a replay reads only up to the live position")
        if target is not None and target > done:
            catch_up(conn, client_config, topic, fresh[0], group, done, target, catalog, keys)
        exists = {n for (n,) in conn.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)",
                                               (list(live),))}
        old = tuple(f"{name}_old_{suffix}" for name in live)
        for name, old_name in zip(live, old):
            if name in exists:
                conn.execute(f"ALTER SCHEMA {name} RENAME TO {old_name}")
        for name, new_name in zip(fresh, live):
            conn.execute(f"ALTER SCHEMA {name} RENAME TO {new_name}")
    return old if exists else None
