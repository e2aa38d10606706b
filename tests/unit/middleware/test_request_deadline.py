"""The request deadline (middleware/limits.py `RequestLimitsMiddleware`), driven as ASGI.

Given: the middleware around a small ASGI app whose work is slow, or whose clean-up is. Then: at the
deadline a retryable 503 goes out before the work's clean-up ends, and the slot is freed only once the
work has stopped; a response already started is cut, not answered twice; a cancellation from outside
(the server's shutdown, a client gone) still cancels the request; and a request inside its deadline
answers as it would without the middleware.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from invoicegraph.auth.principal import Principal
from invoicegraph.middleware.limits import CallerLimits, RequestLimitsMiddleware
from invoicegraph.settings import Settings

DEADLINE = 0.05


def _scope() -> dict[str, Any]:
    principal = Principal(
        credential_id="api_key:akey_1", credential_kind="API_KEY", platform_id="plat_a", permissions=frozenset(), request_id="req_1"
    )
    auth = type("Auth", (), {"principal": principal})()
    return {"type": "http", "path": "/v1/invoices/x", "method": "GET", "headers": [], "client": ("127.0.0.1", 1), "state": {"auth": auth}}


async def _receive() -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


def _run(app: Any) -> tuple[CallerLimits, RequestLimitsMiddleware]:
    limits = CallerLimits(Settings(database_url="sqlite+aiosqlite:///unused.db"))
    return limits, RequestLimitsMiddleware(app, limits=limits, deadline=DEADLINE)


async def test_the_deadline_answers_before_a_slow_clean_up_and_frees_the_slot_after_it() -> None:
    events: list[str] = []
    cleaned = asyncio.Event()

    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(60)
        finally:
            events.append("clean-up started")
            await asyncio.sleep(0.1)  # outlasts the answer
            assert limits.in_flight  # still counted in while its work runs
            events.append("clean-up ended")
            cleaned.set()

    limits, middleware = _run(slow)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            events.append("answered")
        sent.append(message)

    await middleware(_scope(), _receive, send)
    assert cleaned.is_set()
    assert sorted(events) == ["answered", "clean-up ended", "clean-up started"]
    assert events.index("answered") < events.index("clean-up ended")  # the answer did not wait for it
    assert sent[0]["status"] == 503
    assert "INVOICEGRAPH_REQUEST_TIMEOUT_SECONDS" in json.loads(sent[1]["body"])["message"]
    assert limits.in_flight == {}


async def test_a_response_already_started_is_cut_not_answered_twice() -> None:
    async def started(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await asyncio.sleep(60)

    limits, middleware = _run(started)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(_scope(), _receive, send)
    assert [message["type"] for message in sent] == ["http.response.start"]
    assert limits.in_flight == {}


async def test_a_cancellation_from_outside_still_cancels_the_request() -> None:
    async def slow(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(60)

    limits = CallerLimits(Settings(database_url="sqlite+aiosqlite:///unused.db"))
    middleware = RequestLimitsMiddleware(slow, limits=limits, deadline=60.0)

    async def send(message: Message) -> None:
        raise AssertionError(message)

    request = asyncio.create_task(middleware(_scope(), _receive, send))
    await asyncio.sleep(0.01)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request
    assert limits.in_flight == {}


async def test_a_request_inside_its_deadline_answers_as_it_would_alone() -> None:
    async def quick(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limits, middleware = _run(quick)
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware(_scope(), _receive, send)
    await asyncio.sleep(DEADLINE * 2)  # the timer is gone: nothing is sent after the answer
    assert [message.get("status", message.get("body")) for message in sent] == [200, b"ok"]
    assert limits.in_flight == {}
    assert asyncio.current_task() is not None
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
