"""Reading a refresh's sources: the live records an invoice is computed from, scoped to its platform."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from invoicegraph.billing.catalog import PricingPlan
from invoicegraph.billing.records import parse_instant
from invoicegraph.db import prepared, tables
from invoicegraph.db.loaders import record_dict
from invoicegraph.db.tables import table_of
from invoicegraph.db.usage_aggregation import UsageQuestion, aggregate_usage

Record = dict[str, Any]


async def records_by_id(session: AsyncSession, table: type[tables.TenantRecord], platform_id: str, ids: Iterable[str]) -> dict[str, Record]:
    wanted = prepared.keys(ids)
    if not wanted:
        return {}
    rows = await prepared.fetch(session, prepared.records_by_ids(table), {"platform_id": platform_id, "ids": wanted})
    return {row.id: record_dict(row.id, platform_id, row.data) for row in rows}


async def all_records(session: AsyncSession, table: type[tables.TenantRecord], platform_id: str) -> list[Record]:
    rows = await prepared.fetch(session, prepared.all_records(table), {"platform_id": platform_id})
    return [record_dict(row.id, platform_id, row.data) for row in rows]


@dataclass
class Sources:
    platform: Record
    customer: Record | None
    billing_entity: Record | None
    subscriptions: list[Record]  # in the invoice's pricing_plan_subscription_ids order
    products: dict[str, Record]
    tax_rates: list[Record]
    pricing_plans: dict[str, Record] = field(default_factory=dict)
    meters: list[Record] = field(default_factory=list)
    coupons: dict[str, Record] = field(default_factory=dict)
    promotion_codes: dict[str, Record] = field(default_factory=dict)
    exchange_rates: list[Record] = field(default_factory=list)
    payment_acceptors: list[Record] = field(default_factory=list)
    # subscription id -> (first non-VOID invoice id, start of its first period)
    first_invoices: dict[str, tuple[str, datetime | None]] = field(default_factory=dict)
    # (period index, pricing item id) -> aggregated quantity, from one grouped statement
    usage: dict[tuple[int, str], Decimal] = field(default_factory=dict)


async def read_platform(session: AsyncSession, platform_id: str) -> Record:
    row = await session.get(tables.Platform, platform_id)
    if row is None:
        return {"id": platform_id, "settings": {}}
    return {
        "id": row.id,
        "name": row.name,
        "default_billing_entity_id": row.default_billing_entity_id,
        "settings": dict(row.settings or {}),
    }


async def read_sources(session: AsyncSession, platform_id: str, invoice: Record, *, full: bool, payment_acceptors: bool) -> Sources:
    """Everything the requested refresh reads. FULL needs the whole catalogue; the parts need less."""
    subscription_ids = list(invoice.get("pricing_plan_subscription_ids") or [])
    customers = await records_by_id(session, tables.Customer, platform_id, [invoice["customer_id"]])
    entities = await records_by_id(session, tables.BillingEntity, platform_id, [invoice["billing_entity_id"]])
    found = await records_by_id(session, tables.Subscription, platform_id, subscription_ids)
    subscriptions = [found[s] for s in subscription_ids if s in found]
    sources = Sources(
        platform=await read_platform(session, platform_id),
        customer=customers.get(invoice["customer_id"]),
        billing_entity=entities.get(invoice["billing_entity_id"]),
        subscriptions=subscriptions,
        products={p["id"]: p for p in await all_records(session, tables.Product, platform_id)},
        tax_rates=await all_records(session, tables.TaxRate, platform_id),
    )
    if payment_acceptors:
        sources.payment_acceptors = await _payment_acceptors(session, platform_id, invoice, sources)
    if full:
        plans = await records_by_id(
            session, tables.PricingPlan, platform_id, [s["pricing_plan_id"] for s in subscriptions if s.get("pricing_plan_id")]
        )
        sources.pricing_plans = plans
        sources.meters = await all_records(session, tables.Meter, platform_id)
        coupon_ids = [c for s in subscriptions for c in s.get("coupon_ids") or []]
        promotion_ids = [p for s in subscriptions for p in s.get("promotion_code_ids") or []]
        sources.promotion_codes = await records_by_id(session, tables.PromotionCode, platform_id, promotion_ids)
        coupon_ids += [p["coupon_id"] for p in sources.promotion_codes.values() if p.get("coupon_id")]
        sources.coupons = await records_by_id(session, tables.Coupon, platform_id, coupon_ids)
        sources.exchange_rates = await all_records(session, tables.ExchangeRate, platform_id)
        sources.first_invoices = await _first_invoices(session, platform_id, [s["id"] for s in subscriptions])
        sources.usage = await aggregate_usage(session, platform_id, invoice["customer_id"], usage_questions(invoice, list(plans.values())))
    return sources


async def _payment_acceptors(session: AsyncSession, platform_id: str, invoice: Record, sources: Sources) -> list[Record]:
    """The subscriptions' acceptors, else the billing entity's active ones, else the platform default."""
    chosen: list[str] = []
    for subscription in sources.subscriptions:
        chosen += [a for a in subscription.get("payment_acceptor_ids") or [] if a not in chosen]
    if chosen:
        found = await records_by_id(session, tables.PaymentAcceptor, platform_id, chosen)
        return [found[a] for a in chosen if a in found]
    statement = (
        select(col(tables.PaymentAcceptor.id), col(tables.PaymentAcceptor.data))
        .where(
            col(tables.PaymentAcceptor.platform_id) == platform_id,
            col(tables.PaymentAcceptor.billing_entity_id) == invoice["billing_entity_id"],
        )
        .order_by(col(tables.PaymentAcceptor.id))
    )
    own = [record_dict(row.id, platform_id, row.data) for row in (await session.execute(statement)).all()]
    own = [a for a in own if (a.get("status") or "ACTIVE") == "ACTIVE"]
    if own:
        return own
    defaults = list(sources.platform.get("settings", {}).get("default_payment_acceptor_ids") or [])
    found = await records_by_id(session, tables.PaymentAcceptor, platform_id, defaults)
    return [found[a] for a in defaults if a in found]


async def _first_invoices(session: AsyncSession, platform_id: str, subscription_ids: list[str]) -> dict[str, tuple[str, datetime | None]]:
    if not subscription_ids:
        return {}
    invoice = table_of(tables.Invoice)
    link = table_of(tables.InvoiceSubscription)
    position = func.row_number().over(partition_by=link.c.subscription_id, order_by=(invoice.c.invoice_date.asc(), invoice.c.id.asc()))
    ranked = (
        select(
            link.c.subscription_id,
            invoice.c.id,
            invoice.c.document["periods"][0]["start_at"].as_string().label("start_at"),
            position.label("position"),
        )
        .join(invoice, (invoice.c.platform_id == link.c.platform_id) & (invoice.c.id == link.c.invoice_id))
        .where(link.c.platform_id == platform_id, link.c.subscription_id.in_(subscription_ids), invoice.c.status != "VOID")
        .subquery()
    )
    rows = (await session.execute(select(ranked).where(ranked.c.position == 1))).all()
    return {row.subscription_id: (row.id, parse_instant(row.start_at) if row.start_at else None) for row in rows}


def usage_questions(invoice: Record, plans: list[Record]) -> list[UsageQuestion]:
    """One question per (period, usage-priced item) of the invoice's plans."""
    questions: dict[tuple[int, str], UsageQuestion] = {}
    items = [(item, item.meter_value_id) for plan in plans for item in PricingPlan.from_record(plan).items if item.meter_value_id]
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
