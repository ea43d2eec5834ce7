"""The hand-written corpus through the real broker and the real ingest service: every invalid
submission ends in the dead-letter topic with its rule, every valid one is accepted, and
accepted + refused = submitted."""
from __future__ import annotations

import json

import pytest

from rarelog.client import SubmissionPublisher
from rarelog.submit import _wait_for_ingest
from rarelog_kit.topics import INTAKE_RECORDS, INTAKE_SUBMISSIONS, dlq
from tests.corpus import invalid_cases, valid_cases

pytestmark = pytest.mark.integration


def test_corpus_through_ingest(pipeline):
    invalid, valid = invalid_cases(), valid_cases()
    assert len(invalid) >= 60
    pipeline.start("ingest")
    publisher = SubmissionPublisher(pipeline.bootstrap, topic_prefix=pipeline.prefix)
    names = []
    for name, _, value in invalid:
        publisher.publish_raw(f"corpus:{name}".encode(), value)
        names.append(name)
    for name, value in valid:
        publisher.publish_raw(f"corpus:{name}".encode(), value)
        names.append(name)
    publisher.flush()
    _wait_for_ingest({"bootstrap.servers": pipeline.bootstrap}, pipeline.prefix, publisher.delivered, 120)
    pipeline.assert_running()

    refused = {m.key().decode().split(":", 1)[1]: json.loads(dict(m.headers())["x-dlq-reasons"])
               for m in pipeline.read_topic(dlq(INTAKE_SUBMISSIONS))}
    accepted = pipeline.read_topic(INTAKE_RECORDS)
    assert len(refused) + len(accepted) == len(names)
    wrong = {name: [r["code"] for r in refused.get(name, [])] for name, rule, _ in invalid
             if [r["code"] for r in refused.get(name, [])] != [rule]}
    assert not wrong, wrong
    assert not set(refused) & {name for name, _ in valid}
    assert len(accepted) == len(valid)
