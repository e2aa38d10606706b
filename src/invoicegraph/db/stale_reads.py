"""The change markers `Invoice.staleSources` reads (services/staleness.py), as batched loader reads.

Three reads, each one statement for a whole page of invoices whatever its size: the last audited
refresh of each type per invoice, the latest change per record table of the platform, and the latest
usage event received per customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import CompoundSelect, Select, bindparam, func, literal, select, union_all
from sqlmodel import col

from invoicegraph.db import tables
from invoicegraph.db.prepared import keys

PLATFORM_KEY = "platform"
MARKED_TABLES: tuple[type[tables.TenantRecord], ...] = (
    tables.PricingPlan,
    tables.Product,
    tables.Coupon,
    tables.PromotionCode,
    tables.ExchangeRate,
    tables.Meter,
    tables.MeterValue,
    tables.Subscription,
    tables.PaymentAcceptor,
    tables.BillingEntity,
    tables.TaxRate,
)


def _aware(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@cache
def _last_refreshes() -> Select[Any]:
    record = tables.RefreshRecord
    statement = (
        select(col(record.invoice_id), col(record.types), func.max(col(record.created_at)).label("at"))
        .where(col(record.platform_id) == bindparam("platform_id"), col(record.invoice_id).in_(bindparam("ids", expanding=True)))
        .group_by(col(record.invoice_id), col(record.types))
    )
    return cast("Select[Any]", statement)  # the row shape is read by name in `results`


@dataclass(frozen=True)
class RefreshMarksRead:
    """Invoice id -> [(the types of a refresh, the last time a refresh of those types was audited)]."""

    def statement(self, dialect: str) -> Select[Any]:
        return _last_refreshes()

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id, "ids": keys(keys_)}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        found: dict[str, list[tuple[tuple[str, ...], datetime]]] = {key: [] for key in keys_}
        for row in rows:
            found.setdefault(row.invoice_id, []).append((tuple(row.types), _aware(row.at)))
        return found


@cache
def _table_marks() -> CompoundSelect[Any]:
    return union_all(
        *(
            select(literal(str(table.__tablename__)).label("kind"), func.max(col(table.updated_at)).label("at")).where(
                col(table.platform_id) == bindparam("platform_id")
            )
            for table in MARKED_TABLES
        )
    )


@dataclass(frozen=True)
class TableMarksRead:
    """`PLATFORM_KEY` -> record table name -> the latest change of any of the platform's records in it."""

    def statement(self, dialect: str) -> CompoundSelect[Any]:
        return _table_marks()

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {PLATFORM_KEY: {row.kind: _aware(row.at) for row in rows if row.at is not None}}


@cache
def _usage_marks() -> Select[Any]:
    # Per customer, `max(received_at)` alone under equality on the index's prefix: both planners answer
    # it with one seek at the end of ix_usage_event_received. A GROUP BY over the events would walk every
    # event of the customers (0.3 s per 100,000 on PostgreSQL). The customers are taken from their
    # invoices (whose customer record may be gone; the refresh rates their usage all the same).
    event, invoice = tables.UsageEvent, tables.Invoice
    latest = (
        select(func.max(col(event.received_at)))
        .where(col(event.platform_id) == col(invoice.platform_id), col(event.customer_id) == col(invoice.customer_id))
        .scalar_subquery()
    )
    # Annotated: mypy infers no row type for a select over a scalar subquery.
    statement: Any = (
        select(col(invoice.customer_id).label("customer_id"), latest.label("at"))
        .where(col(invoice.platform_id) == bindparam("platform_id"), col(invoice.customer_id).in_(bindparam("ids", expanding=True)))
        .group_by(col(invoice.platform_id), col(invoice.customer_id))
    )
    return cast("Select[Any]", statement)  # the row shape is read by name in `results`


@dataclass(frozen=True)
class UsageMarksRead:
    """Customer id -> the latest usage event received for it."""

    def statement(self, dialect: str) -> Select[Any]:
        return _usage_marks()

    def parameters(self, platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {"platform_id": platform_id, "ids": keys(keys_)}

    def results(self, rows: Sequence[Any], platform_id: str, keys_: Sequence[str]) -> dict[str, Any]:
        return {row.customer_id: _aware(row.at) for row in rows if row.at is not None}
