"""Key rotation through the real services: a record pseudonymised under a new key joins the
patient created under the old one; the new key's id is what new events carry."""
from __future__ import annotations

import json
import os
import secrets

import pytest

from rarelog_kit.serde import AvroCatalog
from rarelog_kit.topics import PSEUDONYMIZED_RECORDS
from tests.integration.test_walking_skeleton import publish
from tests.corpus import valid_cases

pytestmark = pytest.mark.integration


def key_file(path) -> str:
    path.write_text(secrets.token_hex(32))
    os.chmod(path, 0o600)
    return str(path)


def test_rotated_key_keeps_existing_links(pipeline, tmp_path):
    old, new = key_file(tmp_path / "old.key"), key_file(tmp_path / "new.key")
    _, data = next((n, d) for n, d in valid_cases() if "minimal" in n)
    first = json.loads(data)
    second = {**json.loads(data), "centre_id": "S777", "local_record_id": "after-rotation"}
    second["record"].pop("care_pathways", None)

    for service in ("ingest", "reconciler", "registry-store"):
        pipeline.start(service)
    pipeline.start("pseudonymizer", RARELOG_PSEUDONYM_KEY_FILE=old)
    publish(pipeline, [(b"k1", json.dumps(first).encode())])
    pipeline.wait_caught_up()
    pipeline.stop("pseudonymizer")

    pipeline.start("pseudonymizer", RARELOG_PSEUDONYM_KEY_FILE=new, RARELOG_PSEUDONYM_PREVIOUS_KEY_FILES=old)
    publish(pipeline, [(b"k2", json.dumps(second).encode())])
    pipeline.wait_caught_up()

    rows = pipeline.query("SELECT centre_id, patient_id, link_rule FROM {registry}.record ORDER BY received_at")
    assert len(rows) == 2 and rows[0][1] == rows[1][1], rows
    assert rows[1][2] == "exact-pseudonym"
    key_ids = [AvroCatalog().decode(m.value()).value["key_id"] for m in pipeline.read_topic(PSEUDONYMIZED_RECORDS)]
    assert len(set(key_ids)) == 2
