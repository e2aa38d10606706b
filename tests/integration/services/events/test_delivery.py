"""Webhooks after a refresh, on SQLite and PostgreSQL: a real receiver on loopback gets the signed event,
retries bring it through a receiver that was down, a receiver that keeps failing ends FAILED, versions of
one invoice arrive in order, and a receiver that hangs delays only itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent, WebhookAttempt, WebhookDelivery
from invoicegraph.settings import Settings
from tests.integration.services.events.conftest import add_endpoint, delivering
from tests.support.api import Api
from tests.support.data import INVOICE_ID
from tests.support.receiver import Receiver

Change = Callable[[], Awaitable[None]]


async def _refresh(api: Api) -> dict[str, Any]:
    body = await api.refresh(INVOICE_ID, ["FULL"])
    assert "errors" not in body, body
    invoice: dict[str, Any] = body["data"]["refreshInvoice"]
    return invoice


async def _rows(database: Database, model: Any) -> list[Any]:
    async with database.read() as session:
        return list((await session.scalars(select(model).where(col(model.platform_id) == "plat_acme"))).all())


async def test_a_refresh_is_delivered_signed_with_its_changes(
    database: Database, quick_settings: Settings, api: Api, late_usage: Change, receiver: Receiver
) -> None:
    await add_endpoint(database, quick_settings, receiver)
    await late_usage()
    refreshed = await _refresh(api)

    async with delivering(database, quick_settings):
        (arrived,) = await asyncio.to_thread(receiver.wait_for, 1)

    assert arrived.verified, arrived.headers
    event = arrived.event
    (stored,) = await _rows(database, OutboxEvent)
    assert event["id"] == stored.id == arrived.headers["invoicegraph-event-id"]
    assert event["type"] == "INVOICE.UPDATED" == arrived.headers["invoicegraph-event-type"]
    assert event["platform_id"] == "plat_acme"
    assert event["created_at"].endswith("Z")
    assert event["data"]["version"] == refreshed["version"] == stored.version
    # The vendor's Invoice JSON, as this version left it, and what changed (path, before, after).
    invoice = event["data"]["invoice"]
    assert invoice["object_type"] == "INVOICE"
    assert invoice["id"] == INVOICE_ID
    assert invoice["invoice_amount_including_tax"]["quantity"] == refreshed["invoiceAmountIncludingTax"]["quantity"]
    assert "version" not in invoice  # our internal key stays inside
    total = next(c for c in event["data"]["changes"] if c["path"] == "invoice_amount_including_tax.quantity")
    assert total["after"] == refreshed["invoiceAmountIncludingTax"]["quantity"] != total["before"]
    (delivery,) = await _rows(database, WebhookDelivery)
    assert (delivery.status, delivery.attempts) == ("SUCCEEDED", 1)
    (attempt,) = await _rows(database, WebhookAttempt)
    assert (attempt.outcome, attempt.status_code, attempt.error) == ("SUCCEEDED", 200, None)
    (stored,) = await _rows(database, OutboxEvent)
    assert stored.delivered_at is not None


async def test_a_receiver_that_was_down_gets_the_event_after_retries(
    database: Database, quick_settings: Settings, api: Api, late_usage: Change, receiver: Receiver
) -> None:
    await add_endpoint(database, quick_settings, receiver)
    receiver.stop()  # the port is closed: connections are refused
    await late_usage()
    await _refresh(api)

    async with delivering(database, quick_settings):
        await _wait_for_attempts(database, 2)
        receiver.start()  # the same port again
        (arrived,) = await asyncio.to_thread(receiver.wait_for, 1)

    assert arrived.verified
    (delivery,) = await _rows(database, WebhookDelivery)
    assert delivery.status == "SUCCEEDED"
    attempts = sorted(await _rows(database, WebhookAttempt), key=lambda a: a.number)
    assert len(attempts) >= 3
    assert [a.outcome for a in attempts] == ["FAILED"] * (len(attempts) - 1) + ["SUCCEEDED"]
    assert all(a.status_code is None and "Connect" in (a.error or "") for a in attempts[:-1])


async def test_a_receiver_that_keeps_failing_is_retried_then_marked_failed(
    database: Database, quick_settings: Settings, api: Api, late_usage: Change, receiver: Receiver
) -> None:
    short = quick_settings.model_copy(update={"webhook_retry_hours": 3 / 3600})  # a three-second window
    await add_endpoint(database, short, receiver)
    receiver.statuses = [500] * 1000
    await late_usage()
    await _refresh(api)

    async with delivering(database, short):
        await _wait_for_status(database, "FAILED")

    (delivery,) = await _rows(database, WebhookDelivery)
    attempts = await _rows(database, WebhookAttempt)
    assert delivery.attempts == len(attempts) >= 2
    assert {(a.outcome, a.status_code, a.error) for a in attempts} == {("FAILED", 500, "HTTP 500")}
    assert delivery.finished_at is not None
    assert delivery.last_error == "HTTP 500"
    assert len(receiver.received) == len(attempts)
    (event,) = await _rows(database, OutboxEvent)
    assert event.delivered_at is None


async def test_versions_of_an_invoice_arrive_in_order_even_when_one_is_retried(
    database: Database, quick_settings: Settings, api: Api, late_usage: Change, receiver: Receiver
) -> None:
    await add_endpoint(database, quick_settings, receiver)
    receiver.statuses = [503, 503]  # the first version fails twice before it gets through
    versions = []
    for _ in range(3):
        await late_usage()
        versions.append((await _refresh(api))["version"])

    async with delivering(database, quick_settings):
        await asyncio.to_thread(receiver.wait_for, 5)

    delivered = [r.event["data"]["version"] for r in receiver.received]
    assert delivered == [versions[0], versions[0], versions[0], versions[1], versions[2]]
    assert [r.verified for r in receiver.received] == [True] * 5


async def test_a_hanging_receiver_delays_only_itself(
    database: Database, quick_settings: Settings, api: Api, late_usage: Change, receiver: Receiver
) -> None:
    slow = Receiver().start()
    try:
        slow.hold.clear()  # it takes the request and does not answer
        slow_id = await add_endpoint(database, quick_settings, slow)
        await add_endpoint(database, quick_settings, receiver)
        await late_usage()
        await _refresh(api)

        async with delivering(database, quick_settings):
            await asyncio.to_thread(slow.wait_for_arrivals, 1)
            (arrived,) = await asyncio.to_thread(receiver.wait_for, 1)
            await _wait_for_status(database, "SUCCEEDED")
            # The slow receiver still holds its request: its delivery waits, the other one is done.
            assert not slow.received
            statuses = {d.endpoint_id == slow_id: d.status for d in await _rows(database, WebhookDelivery)}
            assert statuses == {True: "PENDING", False: "SUCCEEDED"}
            slow.hold.set()
            await asyncio.to_thread(slow.wait_for, 1)
    finally:
        slow.hold.set()
        slow.stop()
    assert arrived.verified


async def _wait_for_attempts(database: Database, count: int) -> None:
    while len(await _rows(database, WebhookAttempt)) < count:
        await asyncio.sleep(0.02)


async def _wait_for_status(database: Database, status: str) -> None:
    while not any(d.status == status for d in await _rows(database, WebhookDelivery)):
        await asyncio.sleep(0.02)
