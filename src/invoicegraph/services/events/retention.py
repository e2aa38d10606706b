"""The retention purge: finished deliveries, their attempts, and then their events go after `retention`.

A delivery is finished when it SUCCEEDED or FAILED (a failed one can be re-sent until it is purged); it is
purged `retention` after it finished, with its attempts. An event goes when it was dispatched more than
`retention` ago and none of its deliveries is left (all purged, or it had none): an event still being
delivered, or not yet dispatched, is never purged. Work is done in small transactions, so a purge never
holds locks for long. `INVOICEGRAPH_EVENT_RETENTION_DAYS` (30) sets `retention`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select, tuple_

from invoicegraph.db.all_platforms import all_platforms
from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent, WebhookAttempt, WebhookDelivery
from invoicegraph.db.tables import table_of
from invoicegraph.services.events.claims import FAILED, SUCCEEDED

BATCH = 500
_delivery = table_of(WebhookDelivery)
_attempt = table_of(WebhookAttempt)
_event = table_of(OutboxEvent)


async def purge_events(database: Database, retention: timedelta, *, now: datetime | None = None) -> int:
    """Purge what `retention` no longer keeps; returns how many events were removed."""
    cutoff = (now or datetime.now(UTC)) - retention
    finished = all_platforms(
        select(_delivery.c.platform_id, _delivery.c.id)
        .where(_delivery.c.status.in_((SUCCEEDED, FAILED)), _delivery.c.finished_at < cutoff)
        .limit(BATCH)
    )
    while await _purge_batch(database, finished, [(_attempt, _attempt.c.delivery_id), (_delivery, _delivery.c.id)]) == BATCH:
        pass
    leftover = exists().where(_delivery.c.platform_id == _event.c.platform_id, _delivery.c.event_id == _event.c.id)
    done = all_platforms(select(_event.c.platform_id, _event.c.id).where(_event.c.dispatched_at < cutoff, ~leftover).limit(BATCH))
    purged = 0
    while True:
        count = await _purge_batch(database, done, [(_event, _event.c.id)])
        purged += count
        if count < BATCH:
            return purged


async def _purge_batch(database: Database, pick: Any, targets: list[tuple[Any, Any]]) -> int:
    """Delete one batch: the keys `pick` selects, from each (table, id column) of `targets`, in one transaction."""
    async with database.write() as session:
        keys = [tuple(row) for row in (await session.execute(pick)).all()]
        for table, id_column in targets:
            if keys:
                await session.execute(delete(table).where(tuple_(table.c.platform_id, id_column).in_(keys)))
    return len(keys)
