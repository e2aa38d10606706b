"""Events: the `invoiceUpdated` subscription and the operators' view of webhook endpoints and deliveries.

The subscription's stream is the WebSocket's (graphql/subscriptions.py): over HTTP a subscription is
refused before it runs, so this resolver only ever sees a socket's context. Reads go through the
request's session and are scoped to the caller's platform, like every query.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import datetime

from invoicegraph.auth.principal import Principal
from invoicegraph.errors import InvalidField, Unauthorised
from invoicegraph.resolvers.paging import checked_first
from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row
from invoicegraph.services.events.deliveries import DeliveryFilter, delivery_page
from invoicegraph.services.events.endpoints import endpoints_of
from invoicegraph.services.events.feed import Interest


def _principal(info: Info) -> Principal:
    principal = info.context.principal
    if principal is None:  # the permission check runs first; this keeps the types honest
        raise Unauthorised("A credential is required.")
    return principal


def resolve_invoice_updated(info: Info, invoice_id: str | None, customer_id: str | None) -> AsyncIterator[Row]:
    from invoicegraph.graphql.subscriptions import SocketContext

    context = info.context
    principal = _principal(info)
    if not isinstance(context, SocketContext) or context.subscriptions is None:
        raise InvalidField("Subscriptions are served over WebSocket (graphql-transport-ws), not over HTTP.", field="query")
    return context.subscriptions.invoice_updates(context, Interest(principal.platform_id, invoice_id, customer_id))


async def resolve_webhook_endpoints(info: Info) -> list[Row]:
    platform_id = _principal(info).platform_id
    async with info.context.database.session() as session:
        return await endpoints_of(session, platform_id)


async def resolve_webhook_deliveries(
    info: Info, event_id: str | None, endpoint_id: str | None, statuses: list[str], first: int | None, after: str | None
) -> Row:
    size = checked_first(info, first)
    where = DeliveryFilter(event_id=event_id, endpoint_id=endpoint_id, statuses=tuple(statuses))
    async with info.context.database.session() as session:
        page = await delivery_page(session, _principal(info).platform_id, where, first=size, after=_place(after))
    cursors = [_cursor(*key) for key in page.keys]
    return {
        "edges": [{"cursor": cursor, "node": delivery} for cursor, delivery in zip(cursors, page.deliveries, strict=True)],
        "page_info": {
            "has_next_page": page.has_next_page,
            "has_previous_page": after is not None,
            "start_cursor": cursors[0] if cursors else None,
            "end_cursor": cursors[-1] if cursors else None,
        },
        "total_count": page.total_count,
    }


def _cursor(at: datetime, delivery_id: str) -> str:
    """A delivery's place in the list (its time and id), so the next page needs no lookup of the anchor."""
    return base64.urlsafe_b64encode(f"{at.isoformat()} {delivery_id}".encode()).decode().rstrip("=")


def _place(after: str | None) -> tuple[datetime, str] | None:
    if after is None:
        return None
    try:
        at, _, delivery_id = base64.urlsafe_b64decode(after + "=" * (-len(after) % 4)).decode().partition(" ")
        place = datetime.fromisoformat(at)
    except ValueError:
        raise InvalidField("The cursor `after` is malformed.", field="after") from None
    if place.tzinfo is None or not delivery_id:
        raise InvalidField("The cursor `after` is malformed.", field="after")
    return place, delivery_id
