"""`node(id:)` and `nodes(ids:)`: a record by its id alone, its kind read from the id's prefix.

Ids carry their kind (`invo_…`, `cust_…`; the import validates the prefixes), so the prefix names
the type and the request's loader. The loaders are scoped to the caller's platform: an id of another
platform, an unknown id and an id of no known kind all resolve to null, alike.
"""

from __future__ import annotations

import asyncio

from invoicegraph.resolvers.types import Info
from invoicegraph.rows import Row

# Prefix → (GraphQL type, the request loader that reads it by id).
NODE_KINDS: dict[str, tuple[str, str]] = {
    "invo_": ("Invoice", "invoice_by_id"),
    "cust_": ("Customer", "customer_by_id"),
    "enti_": ("BillingEntity", "billing_entity_by_id"),
    "paya_": ("PaymentAcceptor", "payment_acceptor_by_id"),
    "coup_": ("Coupon", "coupon_by_id"),
    "prom_": ("PromotionCode", "promotion_code_by_id"),
    "metv_": ("MeterValue", "meter_value_by_id"),
    "ctyp_": ("CreditType", "credit_type_by_id"),
    "psub_": ("PricingPlanSubscription", "subscription_by_id"),
}


def node_kind(node_id: object) -> tuple[str, str] | None:
    """(type name, loader name) of an id, by its prefix; None for an id of no known kind."""
    if not isinstance(node_id, str):
        return None
    return NODE_KINDS.get(node_id[:5])


async def resolve_node(info: Info, id: str) -> Row | None:
    kind = node_kind(id)
    if kind is None:
        return None
    row: Row | None = await getattr(info.context.loaders, kind[1]).load(id)
    return row


async def resolve_nodes(info: Info, ids: list[str]) -> list[Row | None]:
    # All loads start in one tick, so each kind is one batch (one statement per kind, not per id).
    return list(await asyncio.gather(*(resolve_node(info, node_id) for node_id in ids)))
