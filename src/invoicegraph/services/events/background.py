"""The event work of one process, started and stopped as one: the delivery loop (when the process
delivers), the subscription feed (when it serves subscriptions), and on PostgreSQL the listener that
wakes both when an event commits."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from invoicegraph.db.engine import Database
from invoicegraph.services.events.feed import EventFeed
from invoicegraph.services.events.notify import OutboxListener
from invoicegraph.services.events.worker import Deliverer
from invoicegraph.settings import Settings


class EventWork:
    def __init__(self, database: Database, settings: Settings, *, deliver: bool, feed: EventFeed | None = None) -> None:
        self.database = database
        self.deliverer = Deliverer(database, settings) if deliver else None
        self.feed = feed
        self.listener = (
            OutboxListener(database.url, connect_timeout=settings.database_connect_timeout_seconds)
            if database.dialect == "postgresql"
            else None
        )
        if self.listener is not None and self.deliverer is not None:
            deliverer = self.deliverer
            self.listener.on_event(lambda platform_id, _event: deliverer.announced(platform_id))
        if self.listener is not None and self.feed is not None:
            self.listener.on_event(self.feed.heard)
            self.listener.on_connect(self.feed.missed)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        loops: list[Coroutine[Any, Any, None]] = []
        if self.deliverer is not None:
            loops.append(self.deliverer.run(self._stop))
        if self.feed is not None:
            loops.append(self.feed.run(self._stop))
        if self.listener is not None and loops:
            loops.append(self.listener.run(self._stop))
        self._tasks = [asyncio.create_task(loop, name="invoicegraph events") for loop in loops]

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def deliver_due(self) -> int:
        """Dispatch and send everything due now, wait for the answers; returns the rounds' finds (`deliver --once`)."""
        if self.deliverer is None:
            return 0
        found = 0
        try:
            while (step := await self.deliverer.step()) or self.deliverer.in_flight:
                found += step
                await self.deliverer.drain()
        finally:
            await self.deliverer.close()
        return found


def event_feed(database: Database, settings: Settings) -> EventFeed:
    """The subscription feed of a process: told by PostgreSQL's NOTIFY, or polling SQLite."""
    return EventFeed(database, poll_interval=settings.event_poll_interval_seconds, polls=database.dialect != "postgresql")
