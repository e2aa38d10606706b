"""Which refresh types would change an invoice if run now (`Invoice.staleSources`, docs/drafts.md).

Cheap enough for a list page: no preview is run. The parts an invoice copies (customer, billing
entity, custom fields, PO number, the acceptors its subscriptions name) are compared with the live
records exactly, as the refresh of that part would copy them. What a refresh re-rates from (pricing,
products, coupons, exchange rates, meters, usage) and the tax rate table are judged by change
markers: a record's `updated_at` (moved by the import only when its content changed) or a usage
event's `received_at`, later than the last time the invoice read that part. That time is the later of
the invoice's own stamp (`sources_read_at`, written with every computation that was saved) and the
last audited refresh of that type (a refresh that found nothing to change saves nothing, but is
audited). Markers are conservative: a change that turns out not to matter (a rate of a country the
invoice does not use) still reports the type; a change that matters is never missed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from invoicegraph.billing.fields import MutableFields
from invoicegraph.billing.instants import parse_instant
from invoicegraph.services.refresh import snapshots
from invoicegraph.services.refresh.compute import reread
from invoicegraph.services.refresh.diff import differs
from invoicegraph.services.refresh.sources import Sources
from invoicegraph.services.refresh.types import FULL, PARTS

STAMP = "sources_read_at"
# What each copied part writes on the invoice (services/refresh/compute.py `reread`).
_COPIED: dict[str, tuple[str, ...]] = {
    "CUSTOMER": ("customer_details", "customer_reference", "processing_only_customer_ids", "forwarded_from_customer_ids"),
    "BILLING_ENTITY": ("billing_entity_details",),
    "CUSTOM_FIELD": ("custom_fields", "other_custom_fields"),
    "PO_NUMBER": ("purchase_order_number",),
}
# The record tables whose change a refresh of the type would read (by marker).
RATED_FROM = ("pricing_plan", "product", "coupon", "promotion_code", "exchange_rate", "meter", "meter_value", "subscription")
ACCEPTORS_FROM = ("payment_acceptor", "billing_entity")
TAX_RATES_FROM = ("tax_rate",)


def stamp_read(invoice: MutableFields, types: tuple[str, ...], at: datetime) -> MutableFields:
    """`invoice` with the time it read the parts of `types` (FULL: every part) kept on it."""
    stamps = dict(invoice.get(STAMP) or {})
    for name in (FULL, *PARTS) if FULL in types else types:
        stamps[name] = at.isoformat()
    return {**invoice, STAMP: stamps}


@dataclass(frozen=True)
class Live:
    """The live records one invoice copies from, as the request's loaders read them."""

    customer: MutableFields | None
    billing_entity: MutableFields | None
    subscriptions: list[MutableFields]  # in the invoice's subscription order, missing ones left out
    # The acceptors the subscriptions name, by id (None when they name none: the marker decides).
    named_acceptors: Mapping[str, MutableFields] | None = None


@dataclass(frozen=True)
class Marks:
    """Change markers: the latest change per record table, the latest usage of the customer, the last reads."""

    tables: Mapping[str, datetime] = field(default_factory=dict)
    usage: datetime | None = None
    # refresh type -> the last audited refresh naming it (FULL counts for every part)
    refreshed: Mapping[str, datetime] = field(default_factory=dict)


def last_refreshes(audited: Sequence[tuple[tuple[str, ...], datetime]]) -> dict[str, datetime]:
    """Refresh type -> the last audited refresh that read it (a FULL refresh reads every part)."""
    marks: dict[str, datetime] = {}
    for types, at in audited:
        for name in (FULL, *PARTS) if FULL in types else types:
            if name not in marks or at > marks[name]:
                marks[name] = at
    return marks


def named_acceptor_ids(subscriptions: Sequence[MutableFields]) -> list[str]:
    chosen: list[str] = []
    for subscription in subscriptions:
        chosen += [a for a in subscription.get("payment_acceptor_ids") or [] if a not in chosen]
    return chosen


def stale_types(invoice: MutableFields, live: Live, marks: Marks) -> list[str]:
    """The refresh types whose refresh would change `invoice` now, FULL first then the parts in order."""
    sources = Sources(
        platform={},
        customer=live.customer,
        billing_entity=live.billing_entity,
        subscriptions=live.subscriptions,
        products={},
        tax_rates=[],
    )
    # The copied parts write disjoint keys, so one re-read of all of them answers each part's question.
    after = reread(invoice, sources, _COPIED_PARTS, "")
    stale = {part for part, keys in _COPIED.items() if _copied_differs(invoice, after, sources, part, keys)}
    reads = _LastReads(invoice, marks)
    if _acceptors_stale(invoice, live, reads):
        stale.add("PAYMENT_ACCEPTOR")
    if reads.changed_since("TAX_RATES", TAX_RATES_FROM):
        stale.add("TAX_RATES")
    # Only a STANDARD invoice is re-rated by FULL; the others carry their lines as given.
    rated = invoice.get("type") == "STANDARD" and (reads.changed_since(FULL, RATED_FROM) or reads.usage_since())
    if stale or rated:
        stale.add(FULL)
    return [name for name in (FULL, *PARTS) if name in stale]


_COPIED_PARTS = frozenset(_COPIED)


def _copied_differs(invoice: MutableFields, after: MutableFields, sources: Sources, part: str, keys: tuple[str, ...]) -> bool:
    if part in ("CUSTOMER", "CUSTOM_FIELD") and sources.customer is None:
        return False  # a refresh keeps the copy of a customer that is gone
    if part == "BILLING_ENTITY" and sources.billing_entity is None:
        return False
    return differs({k: invoice.get(k) for k in keys}, {k: after.get(k) for k in keys})


def _acceptors_stale(invoice: MutableFields, live: Live, reads: _LastReads) -> bool:
    if live.named_acceptors is None:
        return reads.changed_since("PAYMENT_ACCEPTOR", ACCEPTORS_FROM)
    chosen = [live.named_acceptors[a] for a in named_acceptor_ids(live.subscriptions) if a in live.named_acceptors]
    now = {
        "payment_acceptor_ids": [a["id"] for a in chosen],
        "payment_actions": [snapshots.payment_action(a) for a in chosen],
        "pay_invoice_link": snapshots.pay_invoice_link(chosen, invoice.get("pay_invoice_link")),
    }
    return differs({k: invoice.get(k) for k in now}, now)


class _LastReads:
    """When one invoice last read each part (its own stamp or an audited refresh; FULL reads every
    part). Each part is asked about once per invoice, FULL twice: only FULL's read is kept."""

    __slots__ = ("_full", "_marks", "_stamps")

    def __init__(self, invoice: MutableFields, marks: Marks) -> None:
        self._stamps: Mapping[str, str] = invoice.get(STAMP) or {}
        self._marks = marks
        self._full = self._own(FULL)

    def _own(self, name: str) -> datetime | None:
        """The part's own last read: the invoice's stamp or the last audited refresh of it."""
        stamp = self._stamps.get(name)
        candidates = [parse_instant(stamp)] if stamp else []
        if name in self._marks.refreshed:
            candidates.append(self._marks.refreshed[name])
        return max(candidates, default=None)

    def of(self, name: str) -> datetime | None:
        """The last read of the part `name`, FULL's included."""
        full = self._full
        if name == FULL:
            return full
        own = self._own(name)
        return full if own is None else own if full is None else max(own, full)

    def changed_since(self, name: str, tables: tuple[str, ...]) -> bool:
        tables_marks = self._marks.tables
        latest = max((tables_marks[t] for t in tables if t in tables_marks), default=None)
        if latest is None:
            return False
        since = self.of(name)
        return since is None or latest > since

    def usage_since(self) -> bool:
        usage = self._marks.usage
        if usage is None:
            return False
        since = self.of(FULL)
        return since is None or usage > since
