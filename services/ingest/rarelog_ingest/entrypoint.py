"""Transport adapter: intake message in, canonical record or dead letter out."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rarelog_kit.ids import event_id
from rarelog_kit.messages import Inbound, Outbound, Reason, dead_letter
from rarelog_kit.serde import AvroCatalog, UndecodableMessage
from rarelog_kit.topics import INTAKE_SUBMISSIONS

from . import domain

SERVICE = "ingest"
PARIS = ZoneInfo("Europe/Paris")


class IngestProcessor:
    def __init__(self, catalog: AvroCatalog, output_topic: str, dlq_topic: str, max_bytes: int) -> None:
        self.catalog, self.output_topic, self.dlq_topic, self.max_bytes = catalog, output_topic, dlq_topic, max_bytes
        self.schema = catalog.expanded("Submission")

    def on_start(self) -> None:
        pass

    def on_abort(self) -> None:
        pass  # stateless

    def process(self, message: Inbound) -> list[Outbound]:
        if message.value is not None and len(message.value) > self.max_bytes:
            return self._reject(message, [Reason("oversized", f"submission is {len(message.value)} bytes, "
                                                             f"more than the {self.max_bytes} accepted")])
        try:
            decoded = self.catalog.decode(message.value, expect=("Submission",), allow_json=True)
        except UndecodableMessage as exc:
            return self._reject(message, [Reason(exc.code, str(exc), exc.field_path)])
        except ValueError:  # Python's JSON parser refuses integers of more than 4300 digits this way
            return self._reject(message, [Reason("invalid-json", "JSON message has a number too long to read")])
        submission = domain.from_json(decoded.value, self.schema) if decoded.schema_name == "json" else decoded.value
        # "The future" is judged against when the registry received the message, so that a
        # replay of the same message decides the same way years later.
        today = datetime.fromtimestamp(message.timestamp_ms / 1000, PARIS).date()
        outcome = domain.decide(submission, self.schema, today=today,
                                event_id=event_id(SERVICE, INTAKE_SUBMISSIONS, message.partition, message.offset),
                                received_at_ms=message.timestamp_ms)
        if isinstance(outcome, domain.Rejected):
            return self._reject(message, outcome.reasons)
        record = outcome.record
        key = f"{record['centre_id']}:{record['local_record_id']}".encode()
        return [Outbound(self.output_topic, key, self.catalog.encode("CanonicalRecord", record), message.headers)]

    def _reject(self, message: Inbound, reasons: list[Reason]) -> list[Outbound]:
        return [dead_letter(message, self.dlq_topic, SERVICE, reasons)]


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build
    from .settings import IngestSettings

    return run_service(SERVICE, IngestSettings, build)
