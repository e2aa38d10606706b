"""When a failed delivery is tried again: exponential backoff with jitter, bounded by the retry window.

The n-th retry waits `base × 2^(n-1)`, at most `MAX_DELAY`, and a random part of that wait is dropped
(between none and half), so the deliveries that failed together (a receiver that was down) do not all
come back at the same instant. With the defaults (30 s, 72 h) that is about 20 attempts over three days.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

MAX_DELAY = timedelta(hours=6)


def retry_delay(attempt: int, base_seconds: float, rng: random.Random) -> timedelta:
    """The wait after failed attempt number `attempt` (1 for the first)."""
    ceiling = min(base_seconds * 2 ** min(attempt - 1, 32), MAX_DELAY.total_seconds())
    return timedelta(seconds=ceiling * rng.uniform(0.5, 1.0))


def next_attempt(now: datetime, attempt: int, retry_until: datetime, base_seconds: float, rng: random.Random) -> datetime | None:
    """When to try again after failed attempt `attempt`, or None when the window is over (the delivery fails).

    The last attempt is made at the end of the window, so a delivery is retried for the whole of it.
    """
    if now >= retry_until:
        return None
    return min(now + retry_delay(attempt, base_seconds, rng), retry_until)
