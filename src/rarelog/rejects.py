"""`rarelog rejects`: the dead-lettered submissions and why they were refused."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from rarelog_kit.topic_reader import read_to_end
from rarelog_kit.topics import INTAKE_SUBMISSIONS, dlq


@dataclass(frozen=True)
class Reject:
    centre_id: str
    local_record_id: str
    reasons: list[dict]
    offset: int      # the refused submission's position on the intake topic
    refused_at: datetime
    partition: int = -1

    @property
    def source(self) -> tuple[int, int]:
        """(partition, offset) of the refused submission on the intake topic."""
        return self.partition, self.offset


def read_rejects(bootstrap: str, prefix: str = "", client_config: dict | None = None) -> list[Reject]:
    """Every dead-lettered submission once, even one read twice while an erasure copies the
    dead letters (docs/decisions/0011)."""
    rejects, seen = [], set()
    config = {"bootstrap.servers": bootstrap, **(client_config or {})}
    for m in read_to_end(config, prefix + dlq(INTAKE_SUBMISSIONS)):
        headers = dict(m.headers() or [])
        centre, _, local = (m.key() or b"?:?").decode("utf-8", "replace").partition(":")
        reject = Reject(centre, local, json.loads(headers.get("x-dlq-reasons", b"[]")),
                        int(headers.get("x-dlq-source-offset", b"-1")),
                        datetime.fromtimestamp(m.timestamp()[1] / 1000, timezone.utc),
                        int(headers.get("x-dlq-source-partition", b"-1")))
        if reject.offset >= 0 and reject.source in seen:
            continue
        seen.add(reject.source)
        rejects.append(reject)
    return rejects


def print_rejects(bootstrap: str, prefix: str = "", *, centre: str | None = None, since: datetime | None = None,
                  show_identity: bool = False, client_config: dict | None = None) -> None:
    shown = 0
    for r in read_rejects(bootstrap, prefix, client_config):
        if centre and r.centre_id != centre or since and r.refused_at < since:
            continue
        shown += 1
        when = r.refused_at.strftime("%Y-%m-%d %H:%M:%S")
        who = f"{r.centre_id} {r.local_record_id}" if show_identity else f"{r.centre_id} (intake offset {r.offset})"
        who = f"{when} {who}"
        for reason in r.reasons:
            print(f"{who}: {reason['code']}: {reason['message']}")
    print(f"{shown:,} rejected submission(s)")
