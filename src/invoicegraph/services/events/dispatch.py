"""Dispatch: each committed outbox event becomes one delivery per endpoint that wants it.

The dispatcher takes the oldest events not yet dispatched, on every platform (PostgreSQL: `FOR UPDATE
SKIP LOCKED`, so several processes take different events; SQLite: the write transaction's lock, one
dispatcher at a time), and in the same transaction writes, for each event, one PENDING delivery per
enabled endpoint of its platform that subscribes to its type and existed when the event was written,
the webhook body (made once, so every attempt sends the same bytes), and `dispatched_at`. An event no
endpoint wants is delivered at once (`delivered_at`), so the retention purge can remove it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent, WebhookDelivery, WebhookEndpoint
from invoicegraph.db.tables import table_of
from invoicegraph.ids import new_id
from invoicegraph.services.events.model import Event, webhook_body

ENABLED = "ENABLED"
PENDING = "PENDING"
BATCH = 100

EVENT_COLUMNS = (
    col(OutboxEvent.platform_id),
    col(OutboxEvent.id),
    col(OutboxEvent.event_type),
    col(OutboxEvent.invoice_id),
    col(OutboxEvent.version),
    col(OutboxEvent.changes),
    col(OutboxEvent.invoice),
    col(OutboxEvent.created_at),
)


@dataclass(frozen=True, slots=True)
class Dispatched:
    events: int = 0
    deliveries: int = 0


async def dispatch(database: Database, *, retry_for: timedelta, limit: int = BATCH) -> Dispatched:
    """Dispatch up to `limit` events; returns how many events, and how many deliveries they made."""
    async with database.write() as session:
        statement = all_platforms(
            select(*EVENT_COLUMNS).where(col(OutboxEvent.dispatched_at).is_(None)).order_by(col(OutboxEvent.created_at)).limit(limit)
        )
        if database.dialect == "postgresql":
            statement = statement.with_for_update(skip_locked=True)
        events = [Event.of(row) for row in (await session.execute(statement)).all()]
        if not events:
            return Dispatched()
        endpoints = await _endpoints(session, {event.platform_id for event in events})
        now = datetime.now(UTC)
        deliveries: list[dict[str, Any]] = []
        marks: list[dict[str, Any]] = []
        for event in events:
            wanted = [e for e in endpoints[event.platform_id] if event.event_type in e.event_types and e.created_at <= event.created_at]
            payload = (await webhook_body(session, event)).decode() if wanted else None
            deliveries.extend(_delivery(event, endpoint.id, now, retry_for) for endpoint in wanted)
            marks.append({"p": event.platform_id, "i": event.id, "payload": payload, "delivered": None if wanted else now})
        if deliveries:
            await session.execute(insert(table_of(WebhookDelivery)), deliveries)
        outbox = table_of(OutboxEvent)
        await session.execute(
            update(outbox)
            .where(outbox.c.platform_id == bindparam("p"), outbox.c.id == bindparam("i"))
            .values(payload=bindparam("payload"), dispatched_at=now, delivered_at=bindparam("delivered")),
            marks,
        )
    return Dispatched(events=len(events), deliveries=len(deliveries))


async def platforms_with_endpoints(database: Database) -> frozenset[str]:
    """The platforms that have an enabled endpoint: only their events need dispatching at once."""
    async with database.read() as session:
        rows = await session.execute(
            all_platforms(select(col(WebhookEndpoint.platform_id)).where(col(WebhookEndpoint.status) == ENABLED).distinct())
        )
        return frozenset(row.platform_id for row in rows)


async def _endpoints(session: AsyncSession, platforms: set[str]) -> dict[str, list[Any]]:
    rows = await session.execute(
        select(col(WebhookEndpoint.platform_id), col(WebhookEndpoint.id), col(WebhookEndpoint.event_types), col(WebhookEndpoint.created_at))
        .where(col(WebhookEndpoint.platform_id).in_(sorted(platforms)), col(WebhookEndpoint.status) == ENABLED)
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    )
    found: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        found[row.platform_id].append(row)
    return found


def _delivery(event: Event, endpoint_id: str, now: datetime, retry_for: timedelta) -> dict[str, Any]:
    return {
        "platform_id": event.platform_id,
        "id": new_id("whdl"),
        "event_id": event.id,
        "endpoint_id": endpoint_id,
        "invoice_id": event.invoice_id,
        "version": event.version,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "retry_until": now + retry_for,
        # The event's time, so that listings show deliveries in the order of their events.
        "created_at": event.created_at,
    }
