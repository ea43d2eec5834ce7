"""`rarelog submit`: JSON Lines files onto the intake topic, with progress.

Lines are sent as they are (JSON) or re-encoded as Avro; a line that is not JSON is still sent
as JSON-encoded text so that ingest, not this tool, decides and records why it is refused.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from rarelog.client import SubmissionPublisher


def _key(line: str) -> bytes | None:
    try:
        obj = json.loads(line)
        return f"{obj['centre_id']}:{obj['local_record_id']}".encode()
    except (ValueError, KeyError, TypeError):
        return None


def submit_files(files: list[Path], bootstrap: str, prefix: str = "", encoding: str = "json",
                 client_config: dict | None = None) -> int:
    publisher = SubmissionPublisher(bootstrap, topic_prefix=prefix, encoding=encoding, client_config=client_config)
    total = sum(1 for f in files for line in open(f, encoding="utf-8") if line.strip())
    sent = 0
    for path in files:
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                if encoding == "avro":
                    publisher.publish(json.loads(line))
                else:
                    publisher.publish_raw(_key(line), line.rstrip("\n").encode())
                sent += 1
                if sent % 1000 == 0 or sent == total:
                    publisher.poll()
                    _bar(sent, total)
    publisher.flush()
    sys.stderr.write("\n")
    return sent


def _bar(done: int, total: int, width: int = 30) -> None:
    filled = int(width * done / max(total, 1))
    sys.stderr.write(f"\r  submitting [{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,}")
    sys.stderr.flush()
