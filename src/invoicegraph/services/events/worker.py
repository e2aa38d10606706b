"""The delivery loop of one process: dispatch new events, claim due deliveries, send them, record them.

It runs in every `invoicegraph serve` process (unless `INVOICEGRAPH_DELIVER_IN_SERVE=false`) and in
`invoicegraph deliver`; any number of them can run against one database (claims.py says why each
delivery is sent by one at a time). It wakes when PostgreSQL announces a new event (notify.py), when one
of its own requests ends (the invoice's next version may be due), and otherwise every
`INVOICEGRAPH_EVENT_POLL_INTERVAL_SECONDS` (retries, events committed while no process listened, SQLite).

Per endpoint, a process has at most `INVOICEGRAPH_WEBHOOK_CONCURRENCY_PER_ENDPOINT` requests in flight
and claims nothing more for it until one ends: a slow or dead receiver ties up its own slots and no one
else's. A database error ends the round, not the loop.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from invoicegraph.db.engine import Database
from invoicegraph.services.events.claims import Claim, Outcome, claim, complete, lease_for
from invoicegraph.services.events.dispatch import BATCH, dispatch, platforms_with_endpoints
from invoicegraph.services.events.sender import http_client, send
from invoicegraph.services.events.signing_secrets import SecretBox
from invoicegraph.services.events.targets import TargetPolicy
from invoicegraph.services.events.waiting import first_of
from invoicegraph.settings import Settings

# Requests one process keeps in flight over all endpoints.
MAX_IN_FLIGHT = 200
CLAIM_BATCH = 50
# How long a stopping process lets its requests finish; the rest are sent again when their lease ends.
STOP_GRACE_SECONDS = 5.0
_log = logging.getLogger("invoicegraph.events")


@dataclass
class DeliveryStats:
    """What this process did, for /metrics."""

    outcomes: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[int] = field(default_factory=list)

    def note(self, state: str | None, outcome: Outcome) -> None:
        self.outcomes[state or "OVERTAKEN"] += 1
        self.latencies_ms.append(outcome.latency_ms)
        del self.latencies_ms[:-1000]  # the recent ones are enough for a histogram-like view


class Deliverer:
    def __init__(self, database: Database, settings: Settings, *, client: httpx.AsyncClient | None = None, seed: int | None = None) -> None:
        self.database = database
        self.box = SecretBox.from_settings(settings)
        self.policy = TargetPolicy.from_settings(settings)
        self.timeout = settings.webhook_timeout_seconds
        self.lease = lease_for(settings.webhook_timeout_seconds)
        self.per_endpoint = settings.webhook_concurrency_per_endpoint
        self.retry_for = timedelta(hours=settings.webhook_retry_hours)
        self.retry_base = settings.webhook_retry_base_seconds
        self.poll_interval = settings.event_poll_interval_seconds
        self.client = client or http_client()
        self.stats = DeliveryStats()
        self._rng = random.Random(seed)  # noqa: S311  (jitter spreads retries; it guards nothing)
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        # What is worth a round before the next poll: the platforms that have endpoints (read every poll
        # interval), and whether a delivery may have become due (one was made, or a request ended).
        self._with_endpoints: frozenset[str] | None = None
        self._known_at = float("-inf")  # float-ok: a monotonic clock reading
        self._claimed_at = float("-inf")  # float-ok: a monotonic clock reading
        self._maybe_due = True

    def wake(self) -> None:
        """Look for work now (a request ended: the invoice's next version may be due)."""
        self._maybe_due = True
        self._wake.set()

    def announced(self, platform_id: str) -> None:
        """PostgreSQL announced a committed event: worth a round now only if its platform has an endpoint.

        Events of the other platforms are dispatched (to nobody) by the next poll, in one batch.
        """
        if self._with_endpoints is None or platform_id in self._with_endpoints:
            self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    async def step(self) -> int:
        """One round: dispatch waiting events, start due deliveries. Returns how much it found."""
        now = time.monotonic()
        polled = now - self._claimed_at >= self.poll_interval
        if polled or now - self._known_at >= self.poll_interval:
            self._with_endpoints, self._known_at = await platforms_with_endpoints(self.database), now
        dispatched = await dispatch(self.database, retry_for=self.retry_for, limit=BATCH)
        free = MAX_IN_FLIGHT - len(self._tasks)
        claims: list[Claim] = []
        if free > 0 and (polled or self._maybe_due or dispatched.deliveries):
            self._maybe_due, self._claimed_at = False, now
            claims = await claim(
                self.database,
                now=datetime.now(UTC),
                lease=self.lease,
                room=lambda endpoint: self.per_endpoint - self._in_flight[endpoint],
                full=sorted(e for e, n in self._in_flight.items() if n >= self.per_endpoint),
                limit=min(CLAIM_BATCH, free),
            )
        for claimed in claims:
            self._in_flight[claimed.endpoint_id] += 1
            task = asyncio.create_task(self._deliver(claimed), name=f"webhook {claimed.id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return dispatched.events + len(claims)

    async def run(self, stop: asyncio.Event) -> None:
        """Rounds until `stop` is set; then let requests in flight finish for a moment."""
        try:
            while not stop.is_set():
                self._wake.clear()
                try:
                    found = await self.step()
                except Exception:
                    _log.warning("webhook delivery round failed; trying again in %.1f s", self.poll_interval, exc_info=True)
                    found = 0
                if found:
                    await asyncio.sleep(0)  # more may be waiting: go again, after letting the requests start
                    continue
                await first_of(stop, self._wake, seconds=self.poll_interval)
        finally:
            await self.close()

    async def drain(self) -> None:
        """Wait for the requests in flight (and their records) to end."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        if self._tasks:
            _, pending = await asyncio.wait(list(self._tasks), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self.client.aclose()

    async def _deliver(self, claimed: Claim) -> None:
        started_at = datetime.now(UTC)
        try:
            outcome = await send(self.client, claimed, box=self.box, policy=self.policy, time_limit=self.timeout)
            state = await complete(
                self.database,
                claimed,
                outcome,
                started_at=started_at,
                now=datetime.now(UTC),
                retry_base_seconds=self.retry_base,
                rng=self._rng,
            )
            self.stats.note(state, outcome)
            if not outcome.ok:
                _log.info("webhook %s of event %s failed (attempt %d): %s", claimed.id, claimed.event_id, claimed.attempt, outcome.error)
        except Exception:
            # The lease runs out and the delivery is tried again.
            _log.warning("webhook %s of event %s could not be recorded", claimed.id, claimed.event_id, exc_info=True)
        finally:
            self._in_flight[claimed.endpoint_id] -= 1
            if self._in_flight[claimed.endpoint_id] <= 0:
                del self._in_flight[claimed.endpoint_id]
            self.wake()
