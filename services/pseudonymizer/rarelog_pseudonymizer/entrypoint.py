"""Transport adapter: canonical (identified) record in, pseudonymised record out."""
from __future__ import annotations

from rarelog_kit.ids import derived_id
from rarelog_kit.messages import Inbound, Outbound, Reason, dead_letter
from rarelog_kit.serde import AvroCatalog, UndecodableMessage

from . import domain
from .keys import KeyRing

SERVICE = "pseudonymizer"


class PseudonymizerProcessor:
    def __init__(self, catalog: AvroCatalog, keys: KeyRing, output_topic: str, dlq_topic: str) -> None:
        self.catalog, self.keys, self.output_topic, self.dlq_topic = catalog, keys, output_topic, dlq_topic

    def on_start(self) -> None:
        pass

    def on_abort(self) -> None:
        pass  # stateless

    def process(self, message: Inbound) -> list[Outbound]:
        try:
            canonical = self.catalog.decode(message.value, expect=("CanonicalRecord",)).value
        except UndecodableMessage as exc:
            # The dead letter holds the original bytes only: nothing the identified source topic
            # did not already hold.
            return [dead_letter(message, self.dlq_topic, SERVICE, [Reason(exc.code, str(exc), exc.field_path)])]
        out = domain.pseudonymise(self.keys, canonical, derived_id(SERVICE, canonical["event_id"]))
        # Headers of the identified topic are not forwarded: only trace context may pass.
        headers = tuple(h for h in message.headers if h[0] in ("traceparent", "tracestate"))
        return [Outbound(self.output_topic, out["record_key"].encode(),
                         self.catalog.encode("PseudonymisedRecord", out), headers)]


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build
    from .settings import PseudonymizerSettings

    return run_service(SERVICE, PseudonymizerSettings, build)
