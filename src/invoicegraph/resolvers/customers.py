"""Read resolvers of customers."""

from __future__ import annotations

from invoicegraph.resolvers.types import Info, Row


async def resolve_customer(info: Info, id: str) -> Row | None:
    result: Row | None = await info.context.loaders.customer_by_id.load(id)
    return result
