"""Transport adapter: pseudonymised records, reviewers' verdicts and pseudonymised deaths in;
patient events, the state's changelog and the deaths' outcomes out, in one transaction per batch."""
from __future__ import annotations

import logging
from pathlib import Path

from prometheus_client import Counter, Gauge

from rarelog_kit.ids import event_id
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.messages import Inbound, Outbound, Reason, dead_letter
from rarelog_kit.serde import AvroCatalog, UndecodableMessage
from rarelog_kit.topics import LINKAGE_REVIEWS

from . import changelog, deaths, domain, verdicts
from .checkpoint import Schedule
from .sealed import Sealing
from .state import LinkageState

SERVICE = "reconciler"
_EXPECTED = {"records": "PseudonymisedRecord", "reviews": "LinkageReview", "deaths": "PseudonymisedDeath"}
log = logging.getLogger(__name__)


class ReconcilerProcessor:
    def __init__(self, catalog: AvroCatalog, consumer_config: dict, topics: dict[str, str], new_state,
                 registry=None, state_dir: Path | None = None, schedule: Schedule | None = None) -> None:
        """topics: records, reviews, deaths, events, changelog, death_outcomes, keys (the data keys:
        without it, sealed records cannot be opened), and the dead-letter topic of each input.
        state_dir, schedule: where and when to checkpoint the state (None: never)."""
        self.catalog, self.consumer_config, self.topics, self.new_state = catalog, consumer_config, topics, new_state
        self.state_dir, self.schedule = state_dir, schedule if state_dir is not None else None
        self.state: LinkageState = new_state()
        self.keys = DataKeyStore(catalog, consumer_config, topics["keys"]) if "keys" in topics else None
        self.sealing = Sealing(catalog, self.keys)
        self.decisions = Counter("rarelog_linkage_decisions", "Reconciler decisions by outcome", ["decision"],
                                 registry=registry)
        self.size = Gauge("rarelog_linkage_index", "Records, patients and pending reviews held", ["what"],
                          registry=registry)

    def on_start(self) -> None:
        if self.keys is not None:  # first: the changelog's sealed entries open with them
            self.keys.load()
        self.state, read = changelog.load(self.catalog, self.consumer_config, self.topics["changelog"],
                                          self.new_state(), self.state_dir, self.sealing.open_linkage)
        self._gauges()
        if self.schedule is not None:  # a long read (a full rebuild) is worth a checkpoint at once
            self.schedule.note(read)
            self.on_commit()

    def on_abort(self) -> None:
        self.on_start()  # the aborted batch changed the state: reload what was committed (checkpoint + tail)

    def on_commit(self) -> None:
        """Between transactions the state is exactly the committed changelog: checkpoint it if due.
        A failed checkpoint costs only a longer restart: never stop processing for it."""
        if self.keys is not None:
            self.keys.stale()
        if self.schedule is None or not self.schedule.due():
            return
        try:
            changelog.save(self.consumer_config, self.topics["changelog"], self.state_dir, self.state)
        except Exception as exc:
            log.warning("linkage checkpoint failed; carrying on", extra={"reason": f"{type(exc).__name__}: {exc}"})
        self.schedule.done()  # after a failure too: retry at the next due point, not every batch

    def process(self, message: Inbound) -> list[Outbound]:
        source = next((s for s in ("reviews", "deaths") if message.topic == self.topics[s]), "records")
        dlq = self.topics[f"{source}_dlq"]
        try:
            value = self.catalog.decode(message.value, expect=(_EXPECTED[source],)).value
        except UndecodableMessage as exc:
            return [dead_letter(message, dlq, SERVICE, [Reason(exc.code, str(exc), exc.field_path)])]
        if source == "reviews":  # verdicts enter the registry here: named after their place in their topic
            eid = event_id(SERVICE, LINKAGE_REVIEWS, message.partition, message.offset)
            outcome = verdicts.apply_verdict(self.state, value, eid)
        elif source == "deaths":
            outcome = deaths.verify_death(self.state, value, sealer=self.sealing)
        else:  # one partition: reading order orders every version of every record
            opened = self.sealing.opened_record(value)
            if opened is None:  # its key was erased before it got here (or never reached the store)
                return [dead_letter(message, dlq, SERVICE, [Reason(
                    "data-key-missing", "the record's data key is not in the key store: its linkage cannot be opened",
                    "sealed_linkage")])]
            outcome = domain.reconcile_next(self.state, opened)
        if outcome.rejection:
            code, text = outcome.rejection
            log.warning("verdict rejected", extra={"code": code, "offset": message.offset})
            return [dead_letter(message, dlq, SERVICE, [Reason(code, text)])]
        self.decisions.labels(decision=outcome.decision or "none").inc()
        if self.schedule is not None and outcome.changes:
            self.schedule.note()
        trace = tuple(h for h in message.headers if h[0] in ("traceparent", "tracestate"))
        out = [Outbound(self.topics["events"], value["patient_id"].encode(), self.catalog.encode(name, value), trace)
               for name, value in outcome.events]
        out += [Outbound(self.topics["death_outcomes"], value["import_id"].encode(), self.catalog.encode(name, value))
                for name, value in outcome.reports]
        for change in outcome.changes:
            key, encoded = changelog.to_message(self.catalog, change)
            out.append(Outbound(self.topics["changelog"], key, encoded))
        if outcome.shredded and self.keys is not None:  # erasure: the data keys go, in this transaction
            out += [Outbound(self.topics["keys"], *self.keys.message(k, None)) for k in outcome.shredded]
            if self.schedule is not None:  # and soon the checkpoint, which holds their encodings in clear
                self.schedule.note(self.schedule.min_records)
        if message.offset % 1000 == 0:
            self._gauges()
        return out

    def _gauges(self) -> None:
        for what, n in self.state.summary().items():
            self.size.labels(what=what).set(n)


def main() -> int:
    from rarelog_kit.runner import run_service

    from .bootstrap import build
    from .settings import ReconcilerSettings

    return run_service(SERVICE, ReconcilerSettings, build)
