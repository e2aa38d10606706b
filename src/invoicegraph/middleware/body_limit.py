"""Request body bounds, enforced before anything reads the body: its size, and how long it may take.

A body over `INVOICEGRAPH_MAX_BODY_BYTES` is refused with 413, by its declared length or by counting the
stream. A body that has not arrived within `INVOICEGRAPH_BODY_TIMEOUT_SECONDS` of the request's headers
(a client sending a few bytes now and then, holding a request open) is refused with 408.
"""

from __future__ import annotations

import asyncio
import time

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.errors import ApiError
from invoicegraph.middleware.refusal import send_refusal


class BodyTooLarge(ApiError):
    code = "INVALID_REQUEST"
    type = "INVALID_REQUEST"
    http_status = 413


class BodyTooSlow(ApiError):
    code = "INVALID_REQUEST"
    type = "INVALID_REQUEST"
    http_status = 408


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_bytes` (413) and bodies slower than `timeout` seconds (408)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, timeout: float = 10.0) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout = timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send, self._too_large())
            return
        received = 0
        complete = False
        deadline = time.monotonic() + self.timeout
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, complete
            if complete:
                return await receive()  # the body is in: what follows is a disconnect, whenever it comes
            try:
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):
                    message = await receive()
            except TimeoutError:
                raise _Slow from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _Overflow
                complete = not message.get("more_body", False)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _Overflow:
            if not response_started:
                await self._refuse(scope, send, self._too_large())
        except _Slow:
            if not response_started:
                message = f"The request body did not arrive within {self.timeout:g} s (setting INVOICEGRAPH_BODY_TIMEOUT_SECONDS)."
                await self._refuse(scope, send, BodyTooSlow(message))

    def _too_large(self) -> BodyTooLarge:
        return BodyTooLarge(f"Request body too large: the limit is {self.max_bytes} bytes (setting INVOICEGRAPH_MAX_BODY_BYTES).")

    async def _refuse(self, scope: Scope, send: Send, error: ApiError) -> None:
        await send_refusal(scope, send, error)


class _Overflow(Exception):
    pass


class _Slow(Exception):
    pass
