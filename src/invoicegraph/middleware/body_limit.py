"""Request body size limit, enforced before anything reads the body."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.errors import ApiError
from invoicegraph.middleware.refusal import send_refusal


class BodyTooLarge(ApiError):
    code = "INVALID_REQUEST"
    type = "INVALID_REQUEST"
    http_status = 413


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_bytes` with 413, by declared length or by counting the stream."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _Overflow
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
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        error = BodyTooLarge(f"Request body too large: the limit is {self.max_bytes} bytes (setting INVOICEGRAPH_MAX_BODY_BYTES).")
        await send_refusal(scope, send, error)


class _Overflow(Exception):
    pass
