"""A topic the registry reads in one order must have one partition: an existing one with more is
refused by name, never silently used (docs/decisions/0007)."""
from __future__ import annotations

import uuid

import pytest
from confluent_kafka.admin import AdminClient, NewTopic

from rarelog_kit.topics import PATIENT_EVENTS, TopicLayoutError, catalogue, ensure_topics
from tests.chaos.faults import wait_for

pytestmark = pytest.mark.integration


def test_a_single_order_topic_with_several_partitions_is_refused(stack_env):
    bootstrap, prefix = stack_env["KAFKA_BOOTSTRAP_SERVERS"], f"t{uuid.uuid4().hex[:10]}."
    admin = AdminClient({"bootstrap.servers": bootstrap})
    [future] = admin.create_topics([NewTopic(prefix + PATIENT_EVENTS, num_partitions=3, replication_factor=-1)]).values()
    future.result()
    wait_for(lambda: len(admin.list_topics(prefix + PATIENT_EVENTS, timeout=10).topics[prefix + PATIENT_EVENTS]
                         .partitions) == 3, 30, "the topic's metadata")
    try:
        with pytest.raises(TopicLayoutError, match=rf"{prefix}registry\.patient\.events has 3 partitions"):
            ensure_topics(bootstrap, prefix, partitions=2)
    finally:
        for f in admin.delete_topics([prefix + t.name for t in catalogue()]).values():
            try:
                f.result()
            except Exception:  # noqa: BLE001 - most were never created
                pass
