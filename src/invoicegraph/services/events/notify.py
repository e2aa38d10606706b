"""PostgreSQL announces each committed event: `LISTEN invoicegraph_outbox` in every process.

The outbox has a trigger (migration 0005) that runs `pg_notify('invoicegraph_outbox', '{"platform_id": …,
"id": …}')` for every new event. A notification is sent only when the refresh's transaction commits, so
whatever hears it can read the event. Each process keeps one connection listening (outside the pool) and
hands every notification to its listeners: the delivery loop wakes, the subscription feed reads the event
for its subscribers.

A notification sent while the connection is down is lost. That loses nothing: the delivery loop also
looks every poll interval, and the feed catches up when the connection is back (`on_connect`). A silent
network failure is found by a query every `KEEPALIVE_SECONDS`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from invoicegraph.services.events.waiting import first_of

CHANNEL = "invoicegraph_outbox"
KEEPALIVE_SECONDS = 15.0
_log = logging.getLogger("invoicegraph.events")

Heard = Callable[[str, str], None]


def asyncpg_dsn(url: str) -> str:
    """The SQLAlchemy URL (`postgresql+asyncpg://…`) as asyncpg's own DSN."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxListener:
    def __init__(self, url: str, *, connect_timeout: float) -> None:
        self.dsn = asyncpg_dsn(url)
        self.connect_timeout = connect_timeout
        self.listening = asyncio.Event()
        self._heard: list[Heard] = []
        self._on_connect: list[Callable[[], None]] = []

    def on_event(self, listener: Heard) -> None:
        """Call `listener(platform_id, event_id)` for every committed event."""
        self._heard.append(listener)

    def on_connect(self, listener: Callable[[], None]) -> None:
        """Call `listener()` each time listening starts (again): what was missed meanwhile is the listener's to find."""
        self._on_connect.append(listener)

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.5
        while not stop.is_set():
            try:
                connection = await asyncpg.connect(
                    self.dsn, timeout=self.connect_timeout, server_settings={"application_name": "invoicegraph"}
                )
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                _log.warning("cannot listen for events (%r); trying again in %.1f s", error, delay)
                await first_of(stop, seconds=delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 0.5
            try:
                await self._listen(connection, stop)
            except (OSError, asyncpg.PostgresError, TimeoutError) as error:
                _log.warning("stopped listening for events (%r); reconnecting", error)
            finally:
                self.listening.clear()
                if not connection.is_closed():
                    connection.terminate()

    async def _listen(self, connection: asyncpg.Connection, stop: asyncio.Event) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _: lost.set())
        await connection.add_listener(CHANNEL, self._notified)
        self.listening.set()
        for listener in self._on_connect:
            listener()
        while not stop.is_set() and not lost.is_set():
            await first_of(stop, lost, seconds=KEEPALIVE_SECONDS)
            if not stop.is_set() and not lost.is_set():
                await connection.execute("SELECT 1", timeout=self.connect_timeout)

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            announced = orjson.loads(str(payload))
            platform_id, event_id = str(announced["platform_id"]), str(announced["id"])
        except (orjson.JSONDecodeError, KeyError, TypeError):
            _log.warning("ignored a malformed event notification: %.200r", payload)
            return
        for listener in self._heard:
            listener(platform_id, event_id)
