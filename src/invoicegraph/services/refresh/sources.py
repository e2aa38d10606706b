"""Reading a refresh's sources: the live records an invoice is computed from, scoped to its platform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from invoicegraph.billing.catalog import PricingPlan
from invoicegraph.billing.fields import MutableFields
from invoicegraph.billing.instants import parse_instant
from invoicegraph.db import prepared, tables
from invoicegraph.db.loaders import record_dict
from invoicegraph.db.usage_aggregation import UsageQuestion, aggregate_usage


async def records_by_id(
    session: AsyncSession, table: type[tables.TenantRecord], platform_id: str, ids: Iterable[str]
) -> dict[str, MutableFields]:
    wanted = prepared.keys(ids)
    if not wanted:
        return {}
    rows = await prepared.fetch(session, prepared.records_by_ids(table), {"platform_id": platform_id, "ids": wanted})
    return {row.id: record_dict(row.id, platform_id, row.data) for row in rows}


async def all_records(session: AsyncSession, table: type[tables.TenantRecord], platform_id: str) -> list[MutableFields]:
    rows = await prepared.fetch(session, prepared.all_records(table), {"platform_id": platform_id})
    return [record_dict(row.id, platform_id, row.data) for row in rows]


Table = type[tables.TenantRecord]


def _in_order(kinds: Iterable[Table]) -> tuple[Table, ...]:
    return tuple(sorted(kinds, key=lambda table: str(table.__tablename__)))


async def records_of_kinds(
    session: AsyncSession, platform_id: str, wanted: dict[Table, Iterable[str]]
) -> dict[Table, dict[str, MutableFields]]:
    """Records of several types by id in one statement (one per refresh step instead of one per type)."""
    keys = {table: prepared.keys(ids) for table, ids in wanted.items()}
    found: dict[Table, dict[str, MutableFields]] = {table: {} for table in wanted}
    kinds = _in_order(table for table, ids in keys.items() if ids)
    if len(kinds) == 1:
        found[kinds[0]] = await records_by_id(session, kinds[0], platform_id, keys[kinds[0]])
    elif kinds:
        parameters: dict[str, Any] = {"platform_id": platform_id, **{f"ids_{table.__tablename__}": keys[table] for table in kinds}}
        by_name = {str(table.__tablename__): table for table in kinds}
        for row in await prepared.fetch(session, prepared.records_of_kinds(kinds), parameters):
            found[by_name[row.kind]][row.id] = record_dict(row.id, platform_id, row.data)
    return found


async def catalogues(session: AsyncSession, platform_id: str, kinds: Iterable[Table]) -> dict[Table, list[MutableFields]]:
    """All a platform's records of several types, each list by id as `all_records` gives it, in one statement."""
    ordered = _in_order(kinds)
    found: dict[Table, list[MutableFields]] = {table: [] for table in ordered}
    by_name = {str(table.__tablename__): table for table in ordered}
    for row in await prepared.fetch(session, prepared.all_records_of_kinds(ordered), {"platform_id": platform_id}):
        found[by_name[row.kind]].append(record_dict(row.id, platform_id, row.data))
    return found


@dataclass
class Sources:
    platform: MutableFields
    customer: MutableFields | None
    billing_entity: MutableFields | None
    subscriptions: list[MutableFields]  # in the invoice's pricing_plan_subscription_ids order
    products: dict[str, MutableFields]
    tax_rates: list[MutableFields]
    pricing_plans: dict[str, MutableFields] = field(default_factory=dict)
    meters: list[MutableFields] = field(default_factory=list)
    coupons: dict[str, MutableFields] = field(default_factory=dict)
    promotion_codes: dict[str, MutableFields] = field(default_factory=dict)
    exchange_rates: list[MutableFields] = field(default_factory=list)
    payment_acceptors: list[MutableFields] = field(default_factory=list)
    # subscription id -> (first non-VOID invoice id, start of its first period)
    first_invoices: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    # (period index, pricing item id) -> aggregated quantity, from one grouped statement
    usage: dict[tuple[int, str], Decimal] = field(default_factory=dict)


async def read_platform(session: AsyncSession, platform_id: str) -> MutableFields:
    rows = await prepared.fetch(session, prepared.platform_by_id(), {"platform_id": platform_id})
    if not rows:
        return {"id": platform_id, "settings": {}}
    [row] = rows
    return {
        "id": row.id,
        "name": row.name,
        "default_billing_entity_id": row.default_billing_entity_id,
        "settings": dict(row.settings or {}),
    }


async def read_sources(session: AsyncSession, platform_id: str, invoice: MutableFields, *, full: bool, payment_acceptors: bool) -> Sources:
    """Everything the requested refresh reads. FULL needs the whole catalogue; the parts need less.

    Reads of one shape are folded into one statement each (records by id, whole catalogues): a FULL
    refresh reads its sources in 7 statements (8 with the payment acceptors) rather than 13.
    """
    subscription_ids = list(invoice.get("pricing_plan_subscription_ids") or [])
    first = await records_of_kinds(
        session,
        platform_id,
        {
            tables.Customer: [invoice["customer_id"]],
            tables.BillingEntity: [invoice["billing_entity_id"]],
            tables.Subscription: subscription_ids,
        },
    )
    found = first[tables.Subscription]
    subscriptions = [found[s] for s in subscription_ids if s in found]
    platform = await read_platform(session, platform_id)
    # Every refresh recomputes the tax amounts in local currency (docs/billing-decisions.md), which may
    # need a rate the invoice has not used yet: the exchange rates come in the same statement.
    catalogue_kinds: tuple[Table, ...] = (tables.Product, tables.TaxRate, tables.ExchangeRate)
    if full:
        catalogue_kinds += (tables.Meter,)
    catalogue = await catalogues(session, platform_id, catalogue_kinds)
    sources = Sources(
        platform=platform,
        customer=first[tables.Customer].get(invoice["customer_id"]),
        billing_entity=first[tables.BillingEntity].get(invoice["billing_entity_id"]),
        subscriptions=subscriptions,
        products={p["id"]: p for p in catalogue[tables.Product]},
        tax_rates=catalogue[tables.TaxRate],
        exchange_rates=catalogue[tables.ExchangeRate],
    )
    if payment_acceptors:
        sources.payment_acceptors = await _payment_acceptors(session, platform_id, invoice, sources)
    if full:
        second = await records_of_kinds(
            session,
            platform_id,
            {
                tables.PricingPlan: [s["pricing_plan_id"] for s in subscriptions if s.get("pricing_plan_id")],
                tables.PromotionCode: [p for s in subscriptions for p in s.get("promotion_code_ids") or []],
            },
        )
        plans = sources.pricing_plans = second[tables.PricingPlan]
        sources.meters = catalogue[tables.Meter]
        sources.promotion_codes = second[tables.PromotionCode]
        coupon_ids = [c for s in subscriptions for c in s.get("coupon_ids") or []]
        coupon_ids += [p["coupon_id"] for p in sources.promotion_codes.values() if p.get("coupon_id")]
        sources.coupons = await records_by_id(session, tables.Coupon, platform_id, coupon_ids)
        sources.first_invoices = await _first_invoices(session, platform_id, [s["id"] for s in subscriptions])
        sources.usage = await aggregate_usage(session, platform_id, invoice["customer_id"], usage_questions(invoice, list(plans.values())))
    return sources


async def _payment_acceptors(session: AsyncSession, platform_id: str, invoice: MutableFields, sources: Sources) -> list[MutableFields]:
    """The subscriptions' acceptors, else the billing entity's active ones, else the platform default."""
    chosen: list[str] = []
    for subscription in sources.subscriptions:
        chosen += [a for a in subscription.get("payment_acceptor_ids") or [] if a not in chosen]
    if chosen:
        found = await records_by_id(session, tables.PaymentAcceptor, platform_id, chosen)
        return [found[a] for a in chosen if a in found]
    parameters = {"platform_id": platform_id, "billing_entity_id": invoice["billing_entity_id"]}
    own = [
        record_dict(row.id, platform_id, row.data)
        for row in await prepared.fetch(session, prepared.acceptors_of_billing_entity(), parameters)
    ]
    own = [a for a in own if (a.get("status") or "ACTIVE") == "ACTIVE"]
    if own:
        return own
    defaults = list(sources.platform.get("settings", {}).get("default_payment_acceptor_ids") or [])
    found = await records_by_id(session, tables.PaymentAcceptor, platform_id, defaults)
    return [found[a] for a in defaults if a in found]


async def _first_invoices(session: AsyncSession, platform_id: str, subscription_ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
    if not subscription_ids:
        return {}
    parameters = {"platform_id": platform_id, "subscription_ids": prepared.keys(subscription_ids)}
    rows = await prepared.fetch(session, prepared.first_invoices_of_subscriptions(), parameters)
    return {row.subscription_id: (row.id, parse_instant(row.start_at) if row.start_at else None) for row in rows}


def usage_questions(invoice: MutableFields, plans: list[MutableFields]) -> list[UsageQuestion]:
    """One question per (period, usage-priced item) of the invoice's plans."""
    questions: dict[tuple[int, str], UsageQuestion] = {}
    items = [(item, item.meter_value_id) for plan in plans for item in PricingPlan.from_fields(plan).items if item.meter_value_id]
    for index, period in enumerate(invoice.get("periods") or []):
        start_at, end_at = parse_instant(period["start_at"]), parse_instant(period["end_at"])
        for item, meter_value_id in items:
            questions[(index, item.id)] = UsageQuestion(
                period_index=index,
                item_id=item.id,
                meter_value_id=meter_value_id,
                aggregation=item.aggregation or "SUM",
                start_at=start_at,
                end_at=end_at,
                aggregation_property=item.aggregation_property,
                conditions=item.conditions,
            )
    return [questions[key] for key in sorted(questions)]
