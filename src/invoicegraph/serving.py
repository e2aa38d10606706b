"""How `invoicegraph serve` runs uvicorn: a header timeout, and the proxies it trusts.

uvicorn closes an idle keep-alive connection after `timeout_keep_alive` (5 s), but a connection that
sends part of a request's headers and then nothing, or a byte now and then, is never closed: a thousand
such sockets stay open as long as their clients like (a slowloris). `HeaderTimeoutProtocol` closes a
connection whose request headers are not complete within `INVOICEGRAPH_HEADER_TIMEOUT_SECONDS` of the
connection's start or of the request's first byte. The body that follows has a time bound of its own
(middleware/body_limit.py), and the whole request another (middleware/limits.py).

The protocol is uvicorn's httptools one (the `http` option takes a protocol class), with four of its
callbacks extended; it reads the timeout from the settings in each worker process.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from invoicegraph.settings import Settings, get_settings


class HeaderTimeoutProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol that closes a connection whose request headers are too slow."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = get_settings().header_timeout_seconds
        self.header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's own
        super().connection_made(transport)
        self._arm()  # a connection that never sends a whole request line is closed too

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self.header_timer is None:
            self._arm()  # the next request on a kept-alive connection: its first byte starts the clock

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self.header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _expired(self) -> None:
        self.header_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What `serve` gives uvicorn besides the app, host, port and workers."""
    trusted = ",".join(settings.forwarded_allow_ips)
    return {
        "http": HeaderTimeoutProtocol,
        "log_level": settings.log_level.lower(),
        "access_log": False,
        # Only the listed proxies may name the client (X-Forwarded-For): the limits count per client address.
        "proxy_headers": bool(trusted),
        "forwarded_allow_ips": trusted or None,
    }
