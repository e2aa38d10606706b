"""The subscription feed of one process: committed events, handed to the GraphQL subscriptions that want them.

Subscriptions register an `Interest` (their platform, and optionally one invoice or one customer) and get
a queue. Events reach the feed from the database, never from the request that made them, so what a
subscriber sees is committed and every process sees every event:

- PostgreSQL: the outbox listener (notify.py) hands over each committed event's platform and id; when
  the process has a subscriber on that platform, the feed reads the event (one statement per platform and
  batch of notifications) and passes it on. After the listening connection comes back, the feed looks for
  what it missed meanwhile, as below.
- SQLite (and that catch-up): every poll interval, for the platforms that have subscribers, the feed reads
  the events written in the last `LOOKBACK` before the newest one it saw and passes on those it has not
  seen. The look back covers a transaction that wrote its event a moment before it committed.

A subscription gets the events committed after it was registered (the first subscriber of a platform
marks what is already there as seen), in the order the feed read them: commit order, so each invoice's
versions in order. A subscriber that does not keep up (its queue is full) is ended with an error rather
than silently missing events.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.services.events.dispatch import EVENT_COLUMNS
from invoicegraph.services.events.model import Event
from invoicegraph.services.events.waiting import first_of
from invoicegraph.services.refresh.service import INVOICE_UPDATED

LOOKBACK = timedelta(seconds=10)
QUEUE_SIZE = 256
_log = logging.getLogger("invoicegraph.events")


@dataclass(frozen=True, slots=True)
class Interest:
    platform_id: str
    invoice_id: str | None = None
    customer_id: str | None = None
    # The outbox also holds other events (a refresh job's completion): a subscription wants one type.
    event_type: str = INVOICE_UPDATED

    def wants(self, event: Event) -> bool:
        return (
            event.platform_id == self.platform_id
            and event.event_type == self.event_type
            and (self.invoice_id is None or event.invoice_id == self.invoice_id)
            and (self.customer_id is None or event.customer_id == self.customer_id)
        )


class SubscriberTooSlow(Exception):
    """The subscriber's queue filled up: it would have missed events."""


@dataclass(eq=False)
class Subscriber:
    interest: Interest
    queue: asyncio.Queue[Event | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    overflowed: bool = False

    def offer(self, event: Event) -> None:
        if self.overflowed or not self.interest.wants(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.queue.get_nowait()
            self.queue.put_nowait(None)  # wakes the subscriber, which then ends

    async def next(self) -> Event:
        event = await self.queue.get()
        if event is None:
            raise SubscriberTooSlow
        return event


@dataclass
class _Platform:
    subscribers: set[Subscriber] = field(default_factory=set)
    seen: dict[str, datetime] = field(default_factory=dict)
    newest: datetime | None = None


class EventFeed:
    def __init__(self, database: Database, *, poll_interval: float, polls: bool) -> None:
        """`polls`: look for events every `poll_interval` (SQLite); otherwise only when told (`heard`, `missed`)."""
        self.database = database
        self.poll_interval = poll_interval
        self.polls = polls
        self._platforms: dict[str, _Platform] = {}
        self._heard: dict[str, set[str]] = defaultdict(set)
        self._catch_up = False
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    @property
    def subscriptions(self) -> int:
        return sum(len(platform.subscribers) for platform in self._platforms.values())

    @asynccontextmanager
    async def subscribe(self, interest: Interest) -> AsyncIterator[Subscriber]:
        subscriber = Subscriber(interest)
        async with self._lock:
            platform = self._platforms.get(interest.platform_id)
            if platform is None:
                platform = _Platform()
                await self._mark_present(interest.platform_id, platform)
                self._platforms[interest.platform_id] = platform
            platform.subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            platform.subscribers.discard(subscriber)
            if not platform.subscribers and self._platforms.get(interest.platform_id) is platform:
                del self._platforms[interest.platform_id]

    def heard(self, platform_id: str, event_id: str) -> None:
        """PostgreSQL announced a committed event (notify.py)."""
        if platform_id in self._platforms:
            self._heard[platform_id].add(event_id)
            self._wake.set()

    def missed(self) -> None:
        """Announcements may have been lost (the listening connection came back): look for them."""
        self._catch_up = True
        self._wake.set()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.step()
            except Exception:
                _log.warning("the subscription feed could not read events; trying again", exc_info=True)
            await first_of(stop, self._wake, seconds=self.poll_interval)

    async def step(self) -> None:
        async with self._lock:
            heard, self._heard = self._heard, defaultdict(set)
            catch_up, self._catch_up = self._catch_up, False
            for platform_id, ids in heard.items():
                await self._read_announced(platform_id, ids)
            if self.polls or catch_up:
                for platform_id in list(self._platforms):
                    await self._read_recent(platform_id)

    async def _mark_present(self, platform_id: str, platform: _Platform) -> None:
        """What is already in the outbox when a platform gets its first subscriber is not for it."""
        now = datetime.now(UTC)
        async with self.database.read() as session:
            rows = await session.execute(
                select(col(OutboxEvent.id), col(OutboxEvent.created_at)).where(
                    col(OutboxEvent.platform_id) == platform_id, col(OutboxEvent.created_at) >= now - LOOKBACK
                )
            )
            platform.seen.update({row.id: row.created_at for row in rows})
        platform.newest = max([now, *platform.seen.values()])

    async def _read_announced(self, platform_id: str, ids: set[str]) -> None:
        platform = self._platforms.get(platform_id)
        fresh = sorted(ids - set(platform.seen)) if platform is not None else []
        if platform is None or not fresh:
            return
        await self._pass_on(platform_id, platform, col(OutboxEvent.id).in_(fresh))

    async def _read_recent(self, platform_id: str) -> None:
        platform = self._platforms[platform_id]
        since = (platform.newest or datetime.now(UTC)) - LOOKBACK
        async with self.database.read() as session:
            rows = await session.execute(
                select(col(OutboxEvent.id)).where(col(OutboxEvent.platform_id) == platform_id, col(OutboxEvent.created_at) >= since)
            )
            fresh = sorted({row.id for row in rows} - set(platform.seen))
        if fresh:
            await self._pass_on(platform_id, platform, col(OutboxEvent.id).in_(fresh))

    async def _pass_on(self, platform_id: str, platform: _Platform, which: ColumnElement[bool]) -> None:
        async with self.database.read() as session:
            rows = await session.execute(
                select(*EVENT_COLUMNS)
                .where(col(OutboxEvent.platform_id) == platform_id, which)
                .order_by(col(OutboxEvent.created_at), col(OutboxEvent.version))
            )
            events = [Event.of(row) for row in rows]
        for event in events:
            platform.seen[event.id] = event.created_at
            platform.newest = max(platform.newest or event.created_at, event.created_at)
            for subscriber in list(platform.subscribers):
                subscriber.offer(event)
        if platform.newest is not None:
            horizon = platform.newest - 3 * LOOKBACK
            platform.seen = {event_id: at for event_id, at in platform.seen.items() if at >= horizon}
