"""Transport adapter: a batch of patient events in, warehouse rows written in the same
transaction as the consumed offsets."""
from __future__ import annotations

import logging

import psycopg

from rarelog_kit.messages import Inbound
from rarelog_kit.serde import AvroCatalog, UndecodableMessage

from . import domain, store

SERVICE = "registry-store"
EVENT_TYPES = domain.RECORD_EVENTS + domain.LINKAGE_EVENTS + domain.VITAL_EVENTS
log = logging.getLogger(__name__)


class WarehouseSink:
    def __init__(self, catalog: AvroCatalog, schema: str, quarantine: "Quarantine") -> None:
        self.catalog, self.schema, self.quarantine = catalog, schema, quarantine

    def apply(self, conn: psycopg.Connection, batch: list[Inbound]) -> None:
        # First statement of the transaction: the tables below are resolved by name only after
        # a replay's switch (which holds this lock) has committed.
        store.lock_warehouse(conn, self.schema)
        events = []
        for message in batch:
            try:
                decoded = self.catalog.decode(message.value, expect=EVENT_TYPES)
            except UndecodableMessage as exc:
                self.quarantine.park(conn, message, exc)
                continue
            problem = domain.unappliable(decoded.schema_name, decoded.value)
            if problem is not None:
                self.quarantine.park(conn, message, UndecodableMessage("unappliable-event", problem))
                continue
            events.append((decoded.schema_name, decoded.value))
        # In the topic's order: a merge or a split moves records that the events around it link.
        store.write(conn, self.schema, domain.plan(events))


class Quarantine:
    """Patient events the warehouse cannot read are kept in a table (in the same transaction),
    never skipped silently: the sink has no producer, so its dead letters live in the database."""

    def __init__(self, schema: str) -> None:
        self.schema = schema

    def park(self, conn: psycopg.Connection, message: Inbound, exc: UndecodableMessage) -> None:
        log.error("undecodable patient event quarantined",
                  extra={"code": exc.code, "partition": message.partition, "offset": message.offset})
        conn.execute(
            f"INSERT INTO {self.schema}.quarantined_event (topic, partition, kafka_offset, reason_code, reason, payload) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (message.topic, message.partition, message.offset, exc.code, str(exc), message.value))


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build
    from .settings import RegistryStoreSettings

    return run_service(SERVICE, RegistryStoreSettings, build)
