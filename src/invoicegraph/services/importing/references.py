"""Cross-record references of an import file: what each record defines and what it points to.

A reference is satisfied by a record of the same platform in the file or already in the database.
Only ids are kept (never records), with the first PLACES_KEPT paths that point to each; a missing id
is reported at each of those places, and its further places are counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from invoicegraph.db import tables
from invoicegraph.records.problems import Loc, Problem, json_path

Ref = tuple[str, str, str, Loc]  # kind, platform id, id, location inside the record

KIND_TABLES: dict[str, type[SQLModel]] = {
    "billing_entity": tables.BillingEntity,
    "customer": tables.Customer,
    "payment_acceptor": tables.PaymentAcceptor,
    "product": tables.Product,
    "meter": tables.Meter,
    "meter_value": tables.MeterValue,
    "credit_type": tables.CreditType,
    "pricing_plan": tables.PricingPlan,
    "subscription": tables.Subscription,
    "coupon": tables.Coupon,
    "promotion_code": tables.PromotionCode,
    "tax_rate": tables.TaxRate,
    "exchange_rate": tables.ExchangeRate,
    "invoice": tables.Invoice,
    "payment": tables.InvoicePayment,
}
SECTION_KINDS = {
    "billing_entities": "billing_entity",
    "customers": "customer",
    "payment_acceptors": "payment_acceptor",
    "products": "product",
    "meters": "meter",
    "credit_types": "credit_type",
    "pricing_plans": "pricing_plan",
    "subscriptions": "subscription",
    "coupons": "coupon",
    "promotion_codes": "promotion_code",
    "tax_rates": "tax_rate",
    "exchange_rates": "exchange_rate",
    "invoices": "invoice",
}
KIND_NAMES = {kind: kind.replace("_", " ") for kind in KIND_TABLES} | {"platform": "platform"}


def definitions(section: str, record: dict[str, Any]) -> Iterator[Ref]:
    """Ids a (normalized) record defines."""
    if section == "platforms":
        yield "platform", "", record["id"], ("id",)
        return
    if section == "api_keys":
        yield "api_key", "", record["id"], ("id",)
        return
    kind = SECTION_KINDS.get(section)
    if kind is None:
        return
    platform = record["platform_id"]
    yield kind, platform, record["id"], ("id",)
    if section == "meters":
        for index, value in enumerate(record["meter_values"]):
            yield "meter_value", platform, value["id"], ("meter_values", index, "id")
    if section == "invoices":
        for index, payment in enumerate(record["payments"]):
            yield "payment", platform, payment["id"], ("payments", index, "id")


def references(section: str, record: dict[str, Any]) -> Iterator[Ref]:
    """Ids a (normalized) record points to, each with the path of the pointing field."""
    if section == "platforms":
        if record["default_billing_entity_id"]:
            yield "billing_entity", record["id"], record["default_billing_entity_id"], ("default_billing_entity_id",)
        return
    if section == "api_keys":
        for index, platform_id in enumerate(record["platform_ids"]):
            yield "platform", "", platform_id, ("platform_ids", index)
        return
    platform = record["platform_id"]
    yield "platform", "", platform, ("platform_id",)
    for kind, loc, value in _pointers(section, record):
        if value:
            yield kind, platform, value, loc


def _one(record: dict[str, Any], kind: str, *path: str | int) -> Iterator[tuple[str, Loc, Any]]:
    value: Any = record
    for part in path:
        if value is None:
            return
        value = value[part]
    yield kind, path, value


def _many(record: dict[str, Any], kind: str, *path: str) -> Iterator[tuple[str, Loc, Any]]:
    value: Any = record
    for part in path:
        if value is None:
            return
        value = value[part]
    for index, item in enumerate(value or []):
        yield kind, (*path, index), item


def _pointers(section: str, r: dict[str, Any]) -> Iterator[tuple[str, Loc, Any]]:
    if section == "customers":
        yield from _one(r, "customer", "parent_customer_id")
        yield from _many(r, "customer", "parent_customer_ids")
        yield from _one(r, "billing_entity", "seller_details", "default_billing_entity_id")
    elif section in ("payment_acceptors", "products"):
        yield from _one(r, "billing_entity", "billing_entity_id")
        yield from _one(r, "customer", "customer_id")
    elif section == "pricing_plans":
        for index, _item in enumerate(r["items"]):
            yield from _one(r, "product", "items", index, "product_id")
            yield from _one(r, "meter_value", "items", index, "meter_value_id")
    elif section == "coupons":
        yield from _many(r, "product", "limited_to", "product_ids")
        yield from _one(r, "meter_value", "discount", "usage", "meter_value_id")
    elif section == "promotion_codes":
        yield from _one(r, "coupon", "coupon_id")
        yield from _many(r, "customer", "limited_to", "customer_ids")
    elif section == "subscriptions":
        yield from _one(r, "customer", "customer_id")
        yield from _one(r, "billing_entity", "billing_entity_id")
        yield from _one(r, "pricing_plan", "pricing_plan_id")
        yield from _one(r, "customer", "forward_customer_id")
        yield from _many(r, "payment_acceptor", "payment_acceptor_ids")
        yield from _many(r, "coupon", "coupon_ids")
        yield from _many(r, "promotion_code", "promotion_code_ids")
    elif section == "usage_events":
        yield "customer", ("customer_id",), r["customer_id"]
        yield "meter_value", ("meter_value_id",), r["meter_value_id"]
    elif section == "invoices":
        yield from _invoice_pointers(r)


def _invoice_pointers(r: dict[str, Any]) -> Iterator[tuple[str, Loc, Any]]:
    yield from _one(r, "customer", "customer_id")
    yield from _one(r, "billing_entity", "billing_entity_id")
    yield from _many(r, "subscription", "pricing_plan_subscription_ids")
    yield from _many(r, "payment_acceptor", "payment_acceptor_ids")
    yield from _one(r, "invoice", "credit", "original_invoice_id")
    for index, _link in enumerate(r["linked_invoices"]):
        yield from _one(r, "invoice", "linked_invoices", index, "id")
    for p, period in enumerate(r["periods"]):
        for g, group in enumerate(period["groups"]):
            for i, _line in enumerate(group["lines"]):
                yield from _one(r, "product", "periods", p, "groups", g, "lines", i, "product_id")


# Places kept per wanted id: each is reported with its path; the rest of a missing id's places are
# counted (the report lists at most MAX_PROBLEMS lines anyway, and a million events may name one id).
PLACES_KEPT = 10


class ReferenceIndex:
    """Ids defined by the file, and the first places each other id is pointed to."""

    def __init__(self) -> None:
        self.defined: set[tuple[str, str, str]] = set()
        self.wanted: dict[tuple[str, str, str], list[Any]] = {}  # key → [paths kept, count of places]

    def define(self, kind: str, platform: str, record_id: str) -> None:
        self.defined.add((kind, platform, record_id))

    def want(self, kind: str, platform: str, record_id: str, path: Loc) -> None:
        key = (kind, platform, record_id)
        seen = self.wanted.get(key)
        if seen is None:
            self.wanted[key] = [[json_path(path)], 1]
        else:
            if seen[1] < PLACES_KEPT:
                seen[0].append(json_path(path))
            seen[1] += 1

    async def unresolved(self, session: AsyncSession | None) -> tuple[list[Problem], int]:
        """A problem for every place of an id found neither in the file nor (for that platform) in the
        database, and how many more places there were than are listed (PLACES_KEPT per id)."""
        missing = {key: where for key, where in self.wanted.items() if key not in self.defined}
        if session is not None and missing:
            for key in await _stored(session, list(missing)):
                missing.pop(key, None)
        problems = []
        unlisted = 0
        for (kind, platform, record_id), (paths, count) in missing.items():
            owner = f" of platform {platform!r}" if platform else ""
            message = f"{record_id!r} is not a {KIND_NAMES[kind]}{owner} in the file or the database"
            problems += [Problem(path, message) for path in paths[:-1]]
            more = count - len(paths)
            tail = f" (and {more} more place{'s' if more > 1 else ''})" if more > 0 else ""
            problems.append(Problem(paths[-1], message + tail))
            unlisted += more
        return sorted(problems, key=lambda p: _file_order(p.path)), unlisted


def _file_order(path: str) -> list[str | int]:
    """A JSON path's sort key in file order: `usage_events[2]` before `usage_events[10]`."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


async def _stored(session: AsyncSession, keys: list[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    found: set[tuple[str, str, str]] = set()
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for kind, platform, record_id in keys:
        by_kind.setdefault(kind, []).append((platform, record_id))
    for kind, pairs in by_kind.items():
        for start in range(0, len(pairs), 500):
            chunk = pairs[start : start + 500]
            if kind == "platform":
                column: Any = tables.Platform.id
                rows = await session.execute(select(column).where(column.in_([i for _, i in chunk])))
                found.update((kind, "", row[0]) for row in rows)
                continue
            table: Any = KIND_TABLES[kind]
            rows = await session.execute(select(table.platform_id, table.id).where(tuple_(table.platform_id, table.id).in_(chunk)))
            found.update((kind, row[0], row[1]) for row in rows)
    return found
