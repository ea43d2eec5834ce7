"""`rarelog replay`: rebuild the warehouse from the patient events (docs/warehouse.md, Replay).

- default: replay into fresh schemas, catch up, switch them in (the old pair is kept, or dropped);
- --verify: replay twice and compare table checksums, with the live warehouse too when it has
  not moved since the replays started;
- --as-of T --into SCHEMA: the registry as the log stood at T, in schemas of its own.
"""
from __future__ import annotations

import re
import sys
from datetime import datetime, timezone

import psycopg

from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import KEYS_RECORDS, PATIENT_EVENTS
from rarelog_registry_store import checksum, switch
from rarelog_registry_store.omop import schema_name as omop_schema
from rarelog_registry_store.replay import Result, replay, sink_group

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class Target:
    """Where the live warehouse is and where its events come from."""

    def __init__(self, database_url: str, client_config: dict, topic_prefix: str, registry: str,
                 analytics: str) -> None:
        self.database_url, self.client_config = database_url, client_config
        self.topic, self.group = topic_prefix + PATIENT_EVENTS, sink_group(topic_prefix)
        self.registry, self.analytics = registry, analytics
        self.catalog = AvroCatalog()
        self._keys: DataKeyStore | None = None
        self._keys_topic = topic_prefix + KEYS_RECORDS

    @property
    def keys(self) -> DataKeyStore:
        """The records' data keys, read once (the replay and the switch read what came since):
        the sealed payloads of erased records do not open, and are left out (docs/decisions/0011)."""
        if self._keys is None:
            self._keys = DataKeyStore(self.catalog, self.client_config, self._keys_topic)
            self._keys.load()
        return self._keys

    def live_position(self) -> int | None:
        """Where the live sink has got; None when there is no live warehouse (then: to the end)."""
        with psycopg.connect(self.database_url) as conn:
            if conn.execute("SELECT to_regnamespace(%s)", (self.registry,)).fetchone()[0] is None:
                return None
            return switch.position(conn, self.registry, self.group, self.topic) or 0

    def build(self, registry: str, analytics: str, stop: int | None = None, as_of_ms: int | None = None) -> Result:
        for name in (registry, analytics):
            if not NAME.match(name):
                raise ValueError(f"not a schema name: {name!r}")
        try:
            result = replay(self.database_url, self.client_config, self.topic, registry, analytics,
                            group=self.group, stop=stop, as_of_ms=as_of_ms, centres_from=self.registry,
                            catalog=self.catalog, keys=self.keys)
        except BaseException:
            self.drop(analytics, omop_schema(registry), registry)
            raise
        print(f"replay: {result.events:,} events → {result.rows:,} rows in {registry} / {analytics}; "
              f"{result.skipped:,} sealed payloads of erased records skipped; "
              f"read+fold {result.read_seconds:.1f} s, write {result.write_seconds:.1f} s "
              f"({result.events / max(result.read_seconds + result.write_seconds, 1e-9):,.0f} events/s)",
              file=sys.stderr)
        return result

    def drop(self, *schemas: str) -> None:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            for name in schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")

    def fresh_names(self, tag: str) -> tuple[str, str]:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")
        return f"{self.registry}_{tag}{stamp}"[:63], f"{self.analytics}_{tag}{stamp}"[:63]


def run_switch(t: Target, drop_old: bool) -> int:
    fresh = t.fresh_names("r")
    t.build(*fresh, stop=t.live_position())
    suffix = fresh[0].rsplit("_r", 1)[1]
    # The OMOP schema moves with its registry schema (it is named from it: <registry>_omop).
    old = switch.switch(t.database_url, t.client_config, t.topic, t.group,
                        (t.registry, t.analytics, omop_schema(t.registry)), (*fresh, omop_schema(fresh[0])), suffix,
                        t.catalog, t.keys)
    print(f"switched: {t.registry} / {t.analytics} / {omop_schema(t.registry)} now hold the replay")
    studies = _refresh_studies(t)
    if studies:
        print(f"study views rebuilt over the replay: {', '.join(studies)}")
    if old and drop_old:
        t.drop(old[1], old[2], old[0])
        print(f"dropped the previous warehouse ({', '.join(old)})")
    elif old:
        print(f"previous warehouse kept as {' / '.join(old)}; drop it with: "
              f"DROP SCHEMA {old[1]} CASCADE; DROP SCHEMA IF EXISTS {old[2]} CASCADE; DROP SCHEMA {old[0]} CASCADE;")
    return 0


def _refresh_studies(t: Target) -> list[str]:
    from rarelog.access import cli as access_cli
    from rarelog.access import store as access_store
    from rarelog.access.settings import AccessSettings

    place = access_store.Place(t.database_url, t.registry, AccessSettings().access_schema, access_cli.who())
    return access_store.refresh_after_replay(place)


def run_as_of(t: Target, as_of: datetime, into: str, analytics_into: str | None) -> int:
    analytics = analytics_into or f"{into}_analytics"
    result = t.build(into, analytics, as_of_ms=int(as_of.timestamp() * 1000))
    print(f"{into} / {analytics} / {omop_schema(into)}: the registry as of {as_of.isoformat()} "
          f"({result.events:,} events, up to offset {result.next_offset})")
    return 0


def verify(t: Target, keep: bool = False) -> tuple[list, bool, bool]:
    """Two replays to the same position, compared with each other and, when the live warehouse
    still stands at that position after both, with it. (lines, all equal, live compared)."""
    stop = t.live_position()
    first, second = t.fresh_names("va"), t.fresh_names("vb")
    try:
        t.build(*first, stop=stop)
        t.build(*second, stop=stop)
        with_live = stop is not None and t.live_position() == stop
        schemas = [first[0], second[0]] + ([t.registry] if with_live else [])
        lines, same = checksum.compare(t.database_url, *schemas)
        if with_live and t.live_position() != stop:  # moved while summing: only the replays count
            with_live, lines = False, [(table, sums[:2]) for table, sums in lines]
            same = all(len(set(sums)) == 1 for _, sums in lines)
        return lines, same, with_live
    finally:
        if not keep:
            t.drop(first[1], omop_schema(first[0]), first[0], second[1], omop_schema(second[0]), second[0])


def run_verify(t: Target, keep: bool) -> int:
    lines, same, with_live = verify(t, keep)
    heads = ["replay 1", "replay 2"] + (["live"] if with_live else [])
    print(f"{'table':22} " + " ".join(f"{h:>42}" for h in heads))
    for table, sums in lines:
        cells = [f"{s[0]:>9,} {s[1]}" if s else f"{'(absent)':>42}" for s in sums]
        flag = "" if len(set(sums)) == 1 else "  DIFFERS"
        print(f"{table:22} " + " ".join(f"{c:>42}" for c in cells) + flag)
    print("identical" if same else "DIFFERENT", "(" + ("two replays and the live warehouse" if with_live else
                                                     "two replays; the live warehouse moved or is absent") + ")")
    return 0 if same else 1
