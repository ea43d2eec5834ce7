"""Liveness and readiness as the loops report them."""
from __future__ import annotations

import time

from rarelog_kit.health import Health


def test_long_work_outside_the_loop_keeps_the_process_alive_but_not_ready():
    health = Health(liveness_timeout_s=0.4)
    health.set_ready(True)
    with health.working("loading state"):
        for _ in range(4):  # twice the liveness timeout, and no beat from the loop
            time.sleep(0.2)
            assert health.alive and not health.ready and health.reason == "loading state"
    assert health.alive
    time.sleep(0.5)
    assert not health.alive  # without work or beats, the process is stalled
