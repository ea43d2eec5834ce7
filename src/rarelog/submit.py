"""`rarelog submit`: JSON Lines or CSV files onto the intake topic, with progress, then an exact
summary of what ingest accepted and refused (read back from its dead-letter topic).

A JSON line is sent as written (or re-encoded as Avro with --encoding avro); a line that is not
even JSON is still sent, so that ingest — not this tool — decides and records why it is refused.
"""
from __future__ import annotations

import collections
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from confluent_kafka import Consumer, TopicPartition

from rarelog.client import SubmissionPublisher, submission_key
from rarelog.csv_mapping import read_csv
from rarelog.rejects import read_rejects
from rarelog_kit.topics import INTAKE_SUBMISSIONS


@dataclass
class Summary:
    submitted: int = 0
    rejected: int = 0
    reasons: collections.Counter = field(default_factory=collections.Counter)
    checked: bool = False

    @property
    def accepted(self) -> int:
        return self.submitted - self.rejected


def _json_key(line: str) -> bytes | None:
    try:
        return submission_key(json.loads(line))
    except (ValueError, KeyError, TypeError):
        return None


def messages(path: Path, encoding: str, publisher: SubmissionPublisher) -> Iterator[tuple[bytes | None, bytes]]:
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as stream:
        if path.suffix.lower() == ".csv":
            for _, submission in read_csv(stream):
                yield submission_key(submission), _encode(submission, encoding, publisher)
            return
        for line in stream:
            if not line.strip():
                continue
            if encoding == "avro":
                try:
                    yield _json_key(line), publisher.catalog.encode("Submission", json.loads(line))  # type: ignore[union-attr]
                    continue
                except Exception:  # noqa: BLE001 (not Avro-encodable: send it as JSON for ingest to judge)
                    pass
            yield _json_key(line), line.rstrip("\r\n").encode("utf-8", "surrogateescape")


def _encode(submission: dict, encoding: str, publisher: SubmissionPublisher) -> bytes:
    if encoding == "avro":
        try:
            return publisher.catalog.encode("Submission", submission)  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001
            pass
    return json.dumps(submission, ensure_ascii=False).encode()


def submit_files(files: list[Path], bootstrap: str, prefix: str = "", encoding: str = "json",
                 client_config: dict | None = None, wait: bool = True, timeout_s: float = 600) -> Summary:
    config = {"bootstrap.servers": bootstrap, **(client_config or {})}
    publisher = SubmissionPublisher(bootstrap, topic_prefix=prefix, encoding=encoding, client_config=client_config)
    total = sum(_count(f) for f in files)
    summary = Summary()
    for path in files:
        for key, value in messages(path, encoding, publisher):
            publisher.publish_raw(key, value)
            summary.submitted += 1
            if summary.submitted % 1000 == 0 or summary.submitted == total:
                publisher.poll()
                _bar("submitting", summary.submitted, total)
    publisher.flush()
    sys.stderr.write("\n")
    if wait and summary.submitted:
        _wait_for_ingest(config, prefix, publisher.delivered, timeout_s)
        # Ours by the intake position each was sent to: positions are never reused.
        sent = set(publisher.delivered)
        for reject in read_rejects(bootstrap, prefix, client_config):
            if reject.source in sent:
                summary.rejected += 1
                for reason in reject.reasons:
                    summary.reasons[reason["code"]] += 1
        summary.checked = True
    return summary


def _count(path: Path) -> int:
    with open(path, encoding="utf-8", errors="surrogateescape", newline="") as stream:
        if path.suffix.lower() == ".csv":
            return sum(1 for _ in read_csv(stream))
        return sum(1 for line in stream if line.strip())


def _wait_for_ingest(config: dict, prefix: str, delivered: list[tuple[int, int]], timeout_s: float) -> None:
    """Until ingest's committed position is past every submission we sent."""
    topic = prefix + INTAKE_SUBMISSIONS
    partitions = sorted({p for p, _ in delivered})
    consumer = Consumer({**config, "group.id": f"{prefix}rarelog-ingest"})  # read-only: never commits
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            position = {tp.partition: tp.offset for tp in
                        consumer.committed([TopicPartition(topic, p) for p in partitions], timeout=10)}
            checked = sum(1 for p, offset in delivered if offset < position[p])
            _bar("ingest checked", checked, len(delivered))
            if checked == len(delivered):
                sys.stderr.write("\n")
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"ingest has checked {checked:,} of {len(delivered):,} after {timeout_s:.0f} s")
            time.sleep(0.5)
    finally:
        consumer.close()


def _bar(what: str, done: int, total: int, width: int = 30) -> None:
    done = max(0, min(done, total))
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  {what:<15} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}\033[K")
    sys.stderr.flush()


def print_summary(summary: Summary) -> None:
    if not summary.checked:
        print(f"submitted {summary.submitted:,} submissions (not waiting for ingest's verdict)")
        return
    print(f"submitted {summary.submitted:,}: accepted {summary.accepted:,}, rejected {summary.rejected:,}")
    for code, count in summary.reasons.most_common():
        print(f"  {code:<32} {count:>8,}")
    if summary.rejected:
        print("details: rarelog rejects")
