"""The raw consume-and-produce baseline of a Kafka → Kafka stage: the services' transactional loop
(same batches, same transactions, same offsets commit) with a processor that does no work and
writes, for each input message, the very messages the stage wrote for it (prepared beforehand:
same count, same sizes, same topics). What a stage costs beyond this is its own Python work.

    python -m bench.passthrough OUTPUTS_PICKLE INPUT_TOPIC
OUTPUTS_PICKLE: {input key: [[(topic, key, value), ...] for each message of that key, in order]}.
"""
from __future__ import annotations

import pickle
import sys
from collections import deque

from rarelog_kit.kafka_loop import TransactionalLoop
from rarelog_kit.messages import Inbound, Outbound
from rarelog_kit.runner import run_service
from rarelog_kit.settings import ServiceSettings


class Replay:
    def __init__(self, outputs: dict[bytes, deque], topic) -> None:
        self.outputs, self.topic = outputs, topic

    def on_start(self) -> None:
        pass

    def on_abort(self) -> None:
        pass  # the bench does not abort; a retried batch would take the next outputs of its keys

    def process(self, message: Inbound) -> list[Outbound]:
        # A key stays on one partition, read in order: its messages come in the order produced.
        return [Outbound(self.topic(t), k, v) for t, k, v in self.outputs[message.key].popleft()]


def main(outputs_file: str, input_topic: str) -> int:
    with open(outputs_file, "rb") as handle:
        outputs = {k: deque(v) for k, v in pickle.load(handle).items()}

    def build(settings, health, metrics):
        return TransactionalLoop(settings, "passthrough", [settings.topic(input_topic)],
                                 Replay(outputs, settings.topic), health, metrics)
    return run_service("passthrough", ServiceSettings, build)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
