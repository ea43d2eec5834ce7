"""Transport adapter: a batch of patient events in, sealed payloads opened with the key store,
warehouse rows written in the same transaction as the consumed offsets."""
from __future__ import annotations

import logging
from contextlib import nullcontext

import psycopg

from rarelog_kit.health import Health
from rarelog_kit.messages import Inbound
from rarelog_kit.serde import AvroCatalog, UndecodableMessage

from . import domain, store
from .sealed import Opener

SERVICE = "registry-store"
EVENT_TYPES = domain.RECORD_EVENTS + domain.LINKAGE_EVENTS + domain.VITAL_EVENTS + domain.ERASURE_EVENTS
log = logging.getLogger(__name__)


class WarehouseSink:
    def __init__(self, catalog: AvroCatalog, schema: str, quarantine: "Quarantine", opener: Opener,
                 health: Health | None = None) -> None:
        self.catalog, self.schema, self.quarantine, self.opener = catalog, schema, quarantine, opener
        self.health = health

    def apply(self, conn: psycopg.Connection, batch: list[Inbound]) -> None:
        # Once per batch (a retried one too): the batch's first unknown data key reads the key
        # store's topic again (a new record's key was committed before the record).
        self.opener.batch_ended()
        skipped = self.opener.skipped_total
        read = [self._read(message) for message in batch]  # before the lock: no table involved
        # First statement of the transaction: the tables below are resolved by name only after
        # a replay's switch (which holds this lock) has committed.
        store.lock_warehouse(conn, self.schema)
        events = []
        for message, outcome in zip(batch, read):
            if isinstance(outcome, UndecodableMessage):
                self.quarantine.park(conn, message, outcome)
            elif outcome is not None:  # None: sealed under a key since erased, whose erasure follows
                events.append(outcome)
        if self.opener.skipped_total > skipped:
            log.info("sealed payloads skipped: their records' data keys are erased",
                     extra={"skipped": self.opener.skipped_total - skipped})
        # In the topic's order: a merge or a split moves records that the events around it link.
        steps = domain.plan(events)
        with self._erasing(steps):
            store.write(conn, self.schema, steps)

    def _read(self, message: Inbound) -> tuple[str, dict] | UndecodableMessage | None:
        """The event decoded and opened; what to quarantine; or None (skipped)."""
        try:
            decoded = self.catalog.decode(message.value, expect=EVENT_TYPES)
            value = self.opener.open(decoded.schema_name, decoded.value)
        except UndecodableMessage as exc:
            return exc
        if value is None:
            return None
        problem = domain.unappliable(decoded.schema_name, value)
        if problem is not None:
            return UndecodableMessage("unappliable-event", problem)
        return decoded.schema_name, value

    def _erasing(self, steps: list[domain.Step]):
        """An erasure waits for a running OMOP refresh (omop.forget_persons): alive meanwhile."""
        if self.health is None or not any(isinstance(s, domain.Erasure) for s in steps):
            return nullcontext()
        return self.health.working("an erasure waits for the OMOP refresh in progress")


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
