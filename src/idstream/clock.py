"""Time in FusionAuth's unit: epoch milliseconds. The one place that reads the wall clock,
so that tests can replace it."""

from __future__ import annotations

import time


def now_ms() -> int:
    return int(time.time() * 1000)
