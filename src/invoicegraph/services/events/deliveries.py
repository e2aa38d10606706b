"""Reading deliveries and their attempts (the CLI's `webhooks deliveries`, GraphQL's `webhookDeliveries`), and re-sending.

Rows are plain dicts in snake_case with instants as `YYYY-MM-DDTHH:MM:SSZ`, as everything the API answers.
Newest first; a page is read in one statement, its attempts in one more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Select
from sqlmodel import col

from invoicegraph.billing.instants import format_instant
from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from invoicegraph.rows import Row
from invoicegraph.services.events.claims import FAILED, PENDING, SUCCEEDED

STATUSES = (PENDING, SUCCEEDED, FAILED)
_Select = TypeVar("_Select", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True, slots=True)
class DeliveryFilter:
    event_id: str | None = None
    endpoint_id: str | None = None
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DeliveryPage:
    deliveries: list[Row]
    # Each delivery's place in the order (created_at, id): what a cursor carries.
    keys: list[tuple[datetime, str]]
    has_next_page: bool
    total_count: int


_COLUMNS = (
    col(WebhookDelivery.platform_id),
    col(WebhookDelivery.id),
    col(WebhookDelivery.event_id),
    col(WebhookDelivery.endpoint_id),
    col(WebhookEndpoint.url),
    col(WebhookDelivery.invoice_id),
    col(WebhookDelivery.version),
    col(WebhookDelivery.status),
    col(WebhookDelivery.attempts),
    col(WebhookDelivery.next_attempt_at),
    col(WebhookDelivery.retry_until),
    col(WebhookDelivery.created_at),
    col(WebhookDelivery.finished_at),
    col(WebhookDelivery.last_status_code),
    col(WebhookDelivery.last_error),
)


def _filtered(statement: _Select, platform_id: str | None, where: DeliveryFilter) -> _Select:
    statement = all_platforms(statement) if platform_id is None else statement.where(col(WebhookDelivery.platform_id) == platform_id)
    if where.event_id is not None:
        statement = statement.where(col(WebhookDelivery.event_id) == where.event_id)
    if where.endpoint_id is not None:
        statement = statement.where(col(WebhookDelivery.endpoint_id) == where.endpoint_id)
    if where.statuses:
        statement = statement.where(col(WebhookDelivery.status).in_(where.statuses))
    return statement


async def delivery_page(
    session: AsyncSession, platform_id: str | None, where: DeliveryFilter, *, first: int, after: tuple[datetime, str] | None = None
) -> DeliveryPage:
    """Up to `first` deliveries, newest first, after the place `after` (a key of an earlier page)."""
    statement = _filtered(
        select(*_COLUMNS).join(
            WebhookEndpoint,
            and_(
                col(WebhookEndpoint.platform_id) == col(WebhookDelivery.platform_id),
                col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id),
            ),
        ),
        platform_id,
        where,
    )
    if after is not None:
        at, delivery_id = after
        statement = statement.where(
            or_(
                col(WebhookDelivery.created_at) < at,
                and_(col(WebhookDelivery.created_at) == at, col(WebhookDelivery.id) < delivery_id),
            )
        )
    total = await session.scalar(_filtered(select(func.count()).select_from(WebhookDelivery), platform_id, where))
    rows = (
        await session.execute(statement.order_by(col(WebhookDelivery.created_at).desc(), col(WebhookDelivery.id).desc()).limit(first + 1))
    ).all()
    deliveries = [_delivery_row(row) for row in rows[:first]]
    attempts = await _attempts(session, deliveries)
    for delivery in deliveries:
        delivery["attempts"] = attempts.get((delivery["platform_id"], delivery["id"]), [])
    keys = [(row.created_at, row.id) for row in rows[:first]]
    return DeliveryPage(deliveries, keys, has_next_page=len(rows) > first, total_count=int(total or 0))


async def _attempts(session: AsyncSession, deliveries: list[Row]) -> dict[tuple[str, str], list[Row]]:
    if not deliveries:
        return {}
    by_platform: dict[str, list[str]] = defaultdict(list)
    for delivery in deliveries:
        by_platform[delivery["platform_id"]].append(delivery["id"])
    condition = or_(
        *(and_(col(WebhookAttempt.platform_id) == p, col(WebhookAttempt.delivery_id).in_(ids)) for p, ids in by_platform.items())
    )
    rows = await session.execute(
        select(WebhookAttempt).where(condition).order_by(col(WebhookAttempt.delivery_id), col(WebhookAttempt.number))
    )
    found: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for (attempt,) in rows:
        found[(attempt.platform_id, attempt.delivery_id)].append(
            {
                "number": attempt.number,
                "started_at": format_instant(attempt.started_at),
                "latency_ms": attempt.latency_ms,
                "outcome": attempt.outcome,
                "status_code": attempt.status_code,
                "error": attempt.error,
            }
        )
    return found


def _delivery_row(row: Any) -> Row:
    return {
        "platform_id": row.platform_id,
        "id": row.id,
        "event_id": row.event_id,
        "endpoint_id": row.endpoint_id,
        "url": row.url,
        "invoice_id": row.invoice_id,
        "version": row.version,
        "status": row.status,
        "attempt_count": row.attempts,
        "next_attempt_at": format_instant(row.next_attempt_at) if row.status == PENDING else None,
        "retry_until": format_instant(row.retry_until),
        "created_at": format_instant(row.created_at),
        "finished_at": format_instant(row.finished_at) if row.finished_at else None,
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
    }


async def list_deliveries(database: Database, *, platform_id: str | None, where: DeliveryFilter, limit: int) -> list[Row]:
    """The newest `limit` deliveries, with their attempts (the command line)."""
    async with database.read() as session:
        return (await delivery_page(session, platform_id, where, first=limit)).deliveries


async def resend(database: Database, event_id: str, *, retry_for: timedelta, endpoint_id: str | None = None) -> int:
    """Send a finished event again (its FAILED, or SUCCEEDED, deliveries); returns how many deliveries were queued.

    The deliveries keep their ids and attempt history; they get a new retry window from now. Pending ones
    are left as they are.
    """
    now = datetime.now(UTC)
    async with database.write() as session:
        event = (await session.execute(all_platforms(select(col(OutboxEvent.platform_id)).where(col(OutboxEvent.id) == event_id)))).first()
        if event is None:
            return 0
        statement = update(WebhookDelivery).where(
            col(WebhookDelivery.platform_id) == event.platform_id,
            col(WebhookDelivery.event_id) == event_id,
            col(WebhookDelivery.status).in_((FAILED, SUCCEEDED)),
        )
        if endpoint_id is not None:
            statement = statement.where(col(WebhookDelivery.endpoint_id) == endpoint_id)
        result = await session.execute(statement.values(status=PENDING, next_attempt_at=now, retry_until=now + retry_for, finished_at=None))
        queued = int(getattr(result, "rowcount", 0) or 0)
        if queued:
            await session.execute(
                update(OutboxEvent)
                .where(col(OutboxEvent.platform_id) == event.platform_id, col(OutboxEvent.id) == event_id)
                .values(delivered_at=None)
            )
    return queued
