"""The retention purge removes finished deliveries, their attempts and their events, nothing still on its way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent, WebhookAttempt, WebhookDelivery
from invoicegraph.services.events.endpoints import disable_endpoint
from invoicegraph.services.events.retention import purge_events
from invoicegraph.settings import Settings
from tests.integration.services.events.conftest import add_endpoint, delivering
from tests.support.api import Api
from tests.support.data import INVOICE_ID
from tests.support.receiver import Receiver

MONTH = timedelta(days=30)


async def _counts(database: Database) -> dict[str, int]:
    async with database.read() as session:
        return {
            model.__tablename__: int(
                await session.scalar(select(func.count()).select_from(model).where(col(model.platform_id) == "plat_acme")) or 0
            )  # type: ignore[attr-defined]
            for model in (OutboxEvent, WebhookDelivery, WebhookAttempt)
        }


async def test_finished_deliveries_and_their_events_go_after_the_retention_and_nothing_else(
    database: Database, quick_settings: Settings, api: Api, late_usage: Callable[[], Awaitable[None]], receiver: Receiver
) -> None:
    await add_endpoint(database, quick_settings, receiver)
    await late_usage()
    assert "errors" not in await api.refresh(INVOICE_ID, ["FULL"])
    async with delivering(database, quick_settings):
        await asyncio.to_thread(receiver.wait_for, 1)
        while (await _counts(database))["webhook_attempt"] < 1:
            await asyncio.sleep(0.02)
    # A second event, committed and never dispatched (no process delivers now): it is on its way.
    await late_usage()
    assert "errors" not in await api.refresh(INVOICE_ID, ["FULL"])
    assert await _counts(database) == {"outbox_event": 2, "webhook_delivery": 1, "webhook_attempt": 1}

    now = datetime.now(UTC)
    assert await purge_events(database, MONTH, now=now + MONTH - timedelta(hours=1)) == 0
    assert await _counts(database) == {"outbox_event": 2, "webhook_delivery": 1, "webhook_attempt": 1}

    assert await purge_events(database, MONTH, now=now + MONTH + timedelta(hours=1)) == 1
    assert await _counts(database) == {"outbox_event": 1, "webhook_delivery": 0, "webhook_attempt": 0}
    async with database.read() as session:
        kept = await session.scalar(select(OutboxEvent).where(col(OutboxEvent.platform_id) == "plat_acme"))
    assert kept is not None
    assert kept.dispatched_at is None


async def test_a_delivery_still_retrying_keeps_its_event_and_a_failed_one_goes_after_the_retention(
    database: Database, quick_settings: Settings, api: Api, late_usage: Callable[[], Awaitable[None]], receiver: Receiver
) -> None:
    endpoint_id = await add_endpoint(database, quick_settings, receiver)
    receiver.statuses = [500] * 1000  # failing, with three days of retries ahead
    await late_usage()
    assert "errors" not in await api.refresh(INVOICE_ID, ["FULL"])
    async with delivering(database, quick_settings):
        while (await _counts(database))["webhook_attempt"] < 2:
            await asyncio.sleep(0.02)
    assert await _status(database) == "PENDING"
    assert await purge_events(database, MONTH, now=datetime.now(UTC) + 2 * MONTH) == 0  # however old it looks

    assert await disable_endpoint(database, endpoint_id) == 1  # its pending delivery fails now
    assert await _status(database) == "FAILED"
    assert await purge_events(database, MONTH, now=datetime.now(UTC) + MONTH - timedelta(hours=1)) == 0
    assert await purge_events(database, MONTH, now=datetime.now(UTC) + MONTH + timedelta(hours=1)) == 1
    assert await _counts(database) == {"outbox_event": 0, "webhook_delivery": 0, "webhook_attempt": 0}


async def _status(database: Database) -> str | None:
    async with database.read() as session:
        return await session.scalar(select(col(WebhookDelivery.status)).where(col(WebhookDelivery.platform_id) == "plat_acme"))
