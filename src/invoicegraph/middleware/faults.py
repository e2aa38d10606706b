"""A database outage that escapes a route (or the auth middleware) answers a coded, retryable 503.

The engine's connect timeout (`INVOICEGRAPH_DATABASE_CONNECT_TIMEOUT_SECONDS`, also the pool's
checkout timeout) bounds how long a request waits; `pool_pre_ping` replaces dead pooled connections,
so the service recovers by itself when the database comes back.
"""

from __future__ import annotations

import logging

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.db.outage import database_unavailable, is_database_unavailable
from invoicegraph.ids import REQUEST_ID_HEADER
from invoicegraph.middleware.refusal import send_refusal

_log = logging.getLogger("invoicegraph.faults")


class DatabaseOutageMiddleware:
    """Turns a database outage that escapes a route (or the auth middleware) into a coded 503.

    Any other exception is re-raised (the access log answers INTERNAL_ERROR and logs it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started or not is_database_unavailable(error):
                raise
            request_id = Headers(scope=scope).get(REQUEST_ID_HEADER)  # settled by the access log
            _log.warning("database unavailable (request %s): %r", request_id, error)
            await send_refusal(scope, send, database_unavailable(), extensions={"requestId": request_id})
