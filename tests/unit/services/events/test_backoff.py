"""Retries back off exponentially with jitter, and the last one is made at the end of the window."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from invoicegraph.services.events.backoff import MAX_DELAY, next_attempt, retry_delay

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def test_each_retry_waits_about_twice_as_long_with_jitter_and_a_ceiling() -> None:
    rng = random.Random(1)
    for attempt in range(1, 30):
        ceiling = min(30 * 2 ** (attempt - 1), MAX_DELAY.total_seconds())
        delays = {retry_delay(attempt, 30, rng).total_seconds() for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1  # jittered


def test_the_defaults_retry_for_three_days_then_stop() -> None:
    rng = random.Random(2)
    until = NOW + timedelta(hours=72)
    at, attempt = NOW, 1
    while (following := next_attempt(at, attempt, until, 30, rng)) is not None:
        at, attempt = following, attempt + 1
    assert at == until  # the last attempt is made when the window ends
    assert 15 <= attempt <= 30
