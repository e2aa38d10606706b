"""Claims: the due deliveries one process sends now, and what became of each attempt.

A claim is one short write transaction: it picks due PENDING deliveries on every platform (oldest due
first, only for endpoints this process has room for), counts the attempt and leases the delivery by
moving its `next_attempt_at` past the longest the attempt can take. The request is sent after the
commit, outside any transaction; `complete` then records the attempt and the delivery's new state. A
process that dies mid-attempt leaves the lease to run out: the delivery is due again and another process
(or this one after a restart) sends it again. That is the at-least-once half.

Several processes: on PostgreSQL the pick is `FOR UPDATE SKIP LOCKED`, so two claims never take the
same delivery; on SQLite the claim's `BEGIN IMMEDIATE` makes claims one at a time. Either way a leased
delivery is not due, so it is sent by one process at a time. `complete` only changes the delivery if
it is still the attempt it claimed (same attempt count, still PENDING): a late answer after the lease
ran out is recorded as an attempt and changes nothing else.

Version order per invoice and endpoint: a delivery is not due while the same endpoint has an earlier
version of the same invoice PENDING (being sent, or waiting for its retry), or while an earlier event
of the invoice is not dispatched yet. A failed delivery no longer holds back the ones after it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, exists, insert, select, update
from sqlalchemy.engine import CursorResult

from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from invoicegraph.db.tables import table_of
from invoicegraph.ids import new_id
from invoicegraph.services.events.backoff import next_attempt

PENDING, SUCCEEDED, FAILED = "PENDING", "SUCCEEDED", "FAILED"
ENABLED = "ENABLED"
_ERROR_LENGTH = 500

_delivery = table_of(WebhookDelivery)
_earlier = _delivery.alias("earlier")
_endpoint = table_of(WebhookEndpoint)
_event = table_of(OutboxEvent)
_undispatched = _event.alias("undispatched")


def lease_for(timeout_seconds: float) -> timedelta:
    """How long a claimed attempt keeps its delivery: the request's time limit twice, and a margin to record it."""
    return timedelta(seconds=2 * timeout_seconds + 5)


@dataclass(frozen=True, slots=True)
class Claim:
    platform_id: str
    id: str
    event_id: str
    event_type: str
    endpoint_id: str
    url: str
    attempt: int
    retry_until: datetime
    payload: bytes
    secret: str
    previous_secret: str | None
    previous_secret_expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt got: success is a 2xx within the time limit."""

    ok: bool
    latency_ms: int
    status_code: int | None = None
    error: str | None = None


async def claim(
    database: Database, *, now: datetime, lease: timedelta, room: Callable[[str], int], full: Sequence[str] = (), limit: int = 50
) -> list[Claim]:
    """Lease up to `limit` due deliveries, at most `room(endpoint_id)` per endpoint; `full` endpoints are skipped."""
    d = _delivery.c
    earlier_delivery = exists().where(
        _earlier.c.platform_id == d.platform_id,
        _earlier.c.endpoint_id == d.endpoint_id,
        _earlier.c.invoice_id == d.invoice_id,
        _earlier.c.status == PENDING,
        _earlier.c.version < d.version,
    )
    earlier_event = exists().where(
        _undispatched.c.platform_id == d.platform_id,
        _undispatched.c.invoice_id == d.invoice_id,
        _undispatched.c.version < d.version,
        _undispatched.c.dispatched_at.is_(None),
    )
    statement = all_platforms(
        select(
            d.platform_id,
            d.id,
            d.event_id,
            d.endpoint_id,
            d.attempts,
            d.retry_until,
            _endpoint.c.url,
            _endpoint.c.secret,
            _endpoint.c.previous_secret,
            _endpoint.c.previous_secret_expires_at,
            _event.c.event_type,
            _event.c.payload,
        )
        .join(_endpoint, and_(_endpoint.c.platform_id == d.platform_id, _endpoint.c.id == d.endpoint_id))
        .join(_event, and_(_event.c.platform_id == d.platform_id, _event.c.id == d.event_id))
        .where(d.status == PENDING, d.next_attempt_at <= now, _endpoint.c.status == ENABLED, ~earlier_delivery, ~earlier_event)
        .order_by(d.next_attempt_at)
        .limit(limit)
    )
    if full:
        statement = statement.where(d.endpoint_id.not_in(list(full)))
    if database.dialect == "postgresql":
        statement = statement.with_for_update(of=_delivery, skip_locked=True)
    async with database.write() as session:
        taken: dict[str, int] = {}
        chosen = []
        for row in (await session.execute(statement)).all():
            if taken.get(row.endpoint_id, 0) < room(row.endpoint_id):
                taken[row.endpoint_id] = taken.get(row.endpoint_id, 0) + 1
                chosen.append(row)
        if chosen:
            await session.execute(
                update(_delivery)
                .where(d.platform_id == bindparam("p"), d.id == bindparam("i"))
                .values(attempts=d.attempts + 1, next_attempt_at=now + lease),
                [{"p": row.platform_id, "i": row.id} for row in chosen],
            )
    return [_claim(row) for row in chosen]


def _claim(row: Any) -> Claim:
    return Claim(
        platform_id=row.platform_id,
        id=row.id,
        event_id=row.event_id,
        event_type=row.event_type,
        endpoint_id=row.endpoint_id,
        url=row.url,
        attempt=row.attempts + 1,
        retry_until=row.retry_until,
        payload=(row.payload or "").encode(),
        secret=row.secret,
        previous_secret=row.previous_secret,
        previous_secret_expires_at=row.previous_secret_expires_at,
    )


async def complete(
    database: Database,
    claimed: Claim,
    outcome: Outcome,
    *,
    started_at: datetime,
    now: datetime,
    retry_base_seconds: float,
    rng: random.Random,
) -> str | None:
    """Record the attempt and the delivery's new state; returns that state, or None when the claim was overtaken."""
    error = None if outcome.error is None else outcome.error[:_ERROR_LENGTH]
    d = _delivery.c
    async with database.write() as session:
        await session.execute(
            insert(table_of(WebhookAttempt)).values(
                platform_id=claimed.platform_id,
                id=new_id("what"),
                delivery_id=claimed.id,
                number=claimed.attempt,
                started_at=started_at,
                latency_ms=outcome.latency_ms,
                outcome=SUCCEEDED if outcome.ok else FAILED,
                status_code=outcome.status_code,
                error=error,
            )
        )
        changes: dict[str, Any] = {"last_status_code": outcome.status_code, "last_error": error}
        if outcome.ok:
            state = SUCCEEDED
            changes.update(status=SUCCEEDED, finished_at=now)
        else:
            retry_at = next_attempt(now, claimed.attempt, claimed.retry_until, retry_base_seconds, rng)
            if retry_at is None:
                state = FAILED
                changes.update(status=FAILED, finished_at=now)
            else:
                state = PENDING
                changes.update(next_attempt_at=retry_at)
        result = await session.execute(
            update(_delivery)
            .where(d.platform_id == claimed.platform_id, d.id == claimed.id, d.status == PENDING, d.attempts == claimed.attempt)
            .values(**changes)
        )
        if not _rowcount(result):
            return None
        if state == SUCCEEDED:
            await mark_delivered(session, claimed.platform_id, claimed.event_id, now)
    return state


async def mark_delivered(session: Any, platform_id: str, event_id: str, now: datetime) -> None:
    """The event is delivered once none of its deliveries is anything but SUCCEEDED."""
    unfinished = exists().where(_delivery.c.platform_id == platform_id, _delivery.c.event_id == event_id, _delivery.c.status != SUCCEEDED)
    await session.execute(
        update(_event).where(_event.c.platform_id == platform_id, _event.c.id == event_id, ~unfinished).values(delivered_at=now)
    )


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0
