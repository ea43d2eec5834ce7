"""The raw consume-and-produce baseline: the same transactional loop as the services, with a
processor that forwards each message's bytes unchanged. What a stage costs beyond this is its
own Python work."""
from __future__ import annotations

import sys

from rarelog_kit.messages import Inbound, Outbound
from rarelog_kit.runner import run_service
from rarelog_kit.settings import ServiceSettings
from rarelog_kit.kafka_loop import TransactionalLoop


class Forward:
    def __init__(self, output: str) -> None:
        self.output = output

    def on_start(self) -> None:
        pass

    def on_abort(self) -> None:
        pass

    def process(self, message: Inbound) -> list[Outbound]:
        return [Outbound(self.output, message.key, message.value, message.headers)]


def main(input_topic: str, output_topic: str) -> int:
    def build(settings, health, metrics):
        return TransactionalLoop(settings, "passthrough", [settings.topic(input_topic)],
                                 Forward(settings.topic(output_topic)), health, metrics)
    return run_service("passthrough", ServiceSettings, build)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
