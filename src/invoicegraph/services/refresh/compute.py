"""Computing a refreshed invoice: the selected re-reads, then every derived value (docs/refresh.md).

Input: the invoice as stored (vendor-shaped dict), its sources, the requested types. Output: the
invoice as it should now be stored. Nothing here touches the database, so the preview and the refresh
compute exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from invoicegraph.billing import validation
from invoicegraph.billing.adjustments import Adjustment, apply_to_stored, warnings
from invoicegraph.billing.catalog import BillingPeriod, MeterValue, PricingPlan, Product
from invoicegraph.billing.derive import DerivedInvoice, recompute_derived
from invoicegraph.billing.engine import rate_invoice
from invoicegraph.billing.fields import MutableFields
from invoicegraph.billing.inputs import (
    Coupon,
    DerivationInputs,
    ExchangeRate,
    InvoicePeriodInput,
    PromotionCode,
    RatingInputs,
    StoredTaxRate,
    Subscription,
    TaxRate,
)
from invoicegraph.billing.local_amounts import shown_rates
from invoicegraph.billing.money import format_decimal, parse_amount
from invoicegraph.billing.rate_book import FROM_SUBSCRIPTION
from invoicegraph.services.refresh import snapshots
from invoicegraph.services.refresh.facts import own_sales_tax_percentage, tax_facts
from invoicegraph.services.refresh.sources import Sources
from invoicegraph.services.refresh.types import expand

HOLD_BY_REFRESH = "REFRESH"


def _plain_period(record: Mapping[str, Any]) -> BillingPeriod | None:
    return BillingPeriod.optional(dict(record), "billing_period")


def reread(invoice: MutableFields, sources: Sources, parts: frozenset[str], now: str) -> MutableFields:
    """The invoice with the copies of the requested parts taken again from the live records."""
    result = dict(invoice)
    if "CUSTOMER" in parts and sources.customer is not None:
        result["customer_details"] = snapshots.keep_copied_at(
            snapshots.customer_snapshot(sources.customer), invoice.get("customer_details"), now
        )
        result["customer_reference"] = sources.customer.get("reference")
        result["processing_only_customer_ids"] = list(sources.customer.get("processing_only_customer_ids") or [])
        result["forwarded_from_customer_ids"] = list(sources.customer.get("forwarded_from_customer_ids") or [])
    if "BILLING_ENTITY" in parts and sources.billing_entity is not None:
        result["billing_entity_details"] = snapshots.keep_copied_at(
            snapshots.billing_entity_snapshot(sources.billing_entity), invoice.get("billing_entity_details"), now
        )
    if "CUSTOM_FIELD" in parts:
        result["custom_fields"] = snapshots.custom_fields(sources.customer)
        result["other_custom_fields"] = snapshots.other_custom_fields(sources.subscriptions, sources.billing_entity)
    if "PAYMENT_ACCEPTOR" in parts:
        result["payment_acceptor_ids"] = [a["id"] for a in sources.payment_acceptors]
        result["payment_actions"] = [snapshots.payment_action(a) for a in sources.payment_acceptors]
        result["pay_invoice_link"] = snapshots.pay_invoice_link(sources.payment_acceptors, invoice.get("pay_invoice_link"))
    if "PO_NUMBER" in parts:
        result["purchase_order_number"] = snapshots.purchase_order_number(sources.subscriptions)
    return result


def _ensure_copies(invoice: MutableFields, sources: Sources, now: str) -> MutableFields:
    """An invoice imported as inputs only has no copies yet: take them once, whatever the types."""
    result = invoice
    if not invoice.get("customer_details") and sources.customer is not None:
        result = {**result, "customer_details": {**snapshots.customer_snapshot(sources.customer), "copied_at": now}}
    if not invoice.get("billing_entity_details") and sources.billing_entity is not None:
        result = {**result, "billing_entity_details": {**snapshots.billing_entity_snapshot(sources.billing_entity), "copied_at": now}}
    return result


def _stored_rates(invoice: MutableFields) -> tuple[StoredTaxRate, ...]:
    return tuple(StoredTaxRate.from_fields(r) for r in invoice.get("tax_rates") or [])


def _paid(invoice: MutableFields) -> Decimal:
    paid = invoice.get("paid_invoice_amount")
    return parse_amount(paid) if paid else Decimal(0)


def _rating_inputs(invoice: MutableFields, sources: Sources, facts: Any) -> RatingInputs:
    plans = tuple(PricingPlan.from_fields(p) for p in sources.pricing_plans.values())
    redeemed = frozenset(c.get("coupon_id") for c in invoice.get("coupons") or [] if c.get("coupon_id")) | frozenset(
        (p.get("promotion_code_details") or {}).get("promotion_code_id") for p in invoice.get("promotion_codes") or []
    )
    return RatingInputs(
        invoice_id=invoice["id"],
        customer_id=invoice["customer_id"],
        billing_currency=invoice["billing_currency"],
        pricing_amount_type=invoice.get("pricing_amount_type") or "EXCLUDING_TAX",
        periods=tuple(InvoicePeriodInput.from_fields(p) for p in invoice.get("periods") or []),
        subscriptions=tuple(
            Subscription.from_fields(
                s,
                first_invoice_id=sources.first_invoices.get(s["id"], (None, None))[0],
                first_invoice_start_at=sources.first_invoices.get(s["id"], (None, None))[1],
            )
            for s in sources.subscriptions
        ),
        pricing_plans=plans,
        products=tuple(Product.from_fields(p) for p in sources.products.values()),
        tax=facts,
        billing_period=_plain_period(invoice),
        meter_values=tuple(v for meter in sources.meters for v in MeterValue.all_from_meter_record(meter)),
        usage=sources.usage,
        coupons=tuple(Coupon.from_fields(c) for c in sources.coupons.values()),
        promotion_codes=tuple(PromotionCode.from_fields(p) for p in sources.promotion_codes.values()),
        exchange_rates=tuple(ExchangeRate.from_fields(r) for r in sources.exchange_rates),
        tax_rates=tuple(TaxRate.from_fields(r) for r in sources.tax_rates),
        add_zero_meter_value_invoice_lines=bool(sources.platform.get("settings", {}).get("add_zero_meter_value_invoice_lines", False)),
        redeemed_by_this_invoice=frozenset(x for x in redeemed if x),
        paid_amount=_paid(invoice),
        adjustments=stored_adjustments(invoice),
    )


def stored_adjustments(invoice: MutableFields) -> tuple[Adjustment, ...]:
    """The people's line edits an invoice keeps apart from its lines (docs/drafts.md)."""
    return tuple(Adjustment.from_fields(record) for record in invoice.get("line_adjustments") or [])


def _with_adjustments(invoice: MutableFields, adjustments: tuple[Adjustment, ...] | list[Adjustment]) -> MutableFields:
    """The adjustments as kept after this computation, and a WARNING for each one that lost its line."""
    if not adjustments and not invoice.get("line_adjustments"):
        return invoice
    entries = validation.unique([*invoice.get("validation_result", []), *warnings(adjustments)])
    return {**invoice, "line_adjustments": [a.as_fields() for a in adjustments], "validation_result": entries}


def _apply_derived(invoice: MutableFields, derived: DerivedInvoice, platform: MutableFields) -> MutableFields:
    result = {**invoice, **derived.as_dict()}
    registration_id = result.pop("used_tax_registration_id", None)
    result["used_tax_registration"] = snapshots.used_tax_registration(invoice.get("billing_entity_details"), registration_id)
    # The percentage used shows on the invoice (docs/billing-decisions.md); the invoice's own is kept as given.
    used = derived.sales_tax
    result["sales_tax_percentage"] = (
        format_decimal(used.percentage) if used is not None and used.source == FROM_SUBSCRIPTION else own_sales_tax_percentage(invoice)
    )
    result.pop(snapshots.FOOTNOTE_FROM_PLATFORM, None)
    result.update(snapshots.footnote(invoice, platform))
    # The hold (docs/refresh.md): a blocking problem puts the invoice on hold; a later clean refresh lifts only
    # a hold that a refresh set, never one a person set.
    if derived.has_blocking_error:
        if not invoice.get("on_hold"):
            result["on_hold"] = True
            result["on_hold_set_by"] = HOLD_BY_REFRESH
    elif invoice.get("on_hold") and invoice.get("on_hold_set_by") == HOLD_BY_REFRESH:
        result["on_hold"] = False
        result["on_hold_set_by"] = None
    return result


def compute(invoice: MutableFields, sources: Sources, types: tuple[str, ...], now: str) -> MutableFields:
    """The invoice as the refresh of `types` leaves it (never mutates `invoice`)."""
    parts = expand(types)
    refreshed = _ensure_copies(reread(invoice, sources, parts, now), sources, now)
    customer_copy = refreshed.get("customer_details") or {}
    entity_copy = refreshed.get("billing_entity_details") or {}
    facts = tax_facts(customer_copy, entity_copy, refreshed, sources.subscriptions)
    if "FULL" in types and refreshed.get("type") == "STANDARD":
        rated = rate_invoice(_rating_inputs(refreshed, sources, facts))
        extra = {k: v for k, v in rated.as_dict().items() if k not in rated.derived.as_dict()}
        return _with_adjustments(_apply_derived({**refreshed, **extra}, rated.derived, sources.platform), rated.adjustments)
    adjustments = stored_adjustments(refreshed)
    amount_type = refreshed.get("pricing_amount_type") or "EXCLUDING_TAX"
    stated_key = "amount_excluding_tax" if amount_type == "EXCLUDING_TAX" else "amount_including_tax"
    periods = refreshed.get("periods") or []
    if adjustments or refreshed.get("line_adjustments") is not None:
        periods = apply_to_stored(periods, adjustments, stated_key, refreshed["billing_currency"])
    derived = recompute_derived(
        periods,
        DerivationInputs(
            billing_currency=refreshed["billing_currency"],
            pricing_amount_type=amount_type,
            tax=facts,
            stored_tax_rates=_stored_rates(refreshed),
            tax_rate_table=tuple(TaxRate.from_fields(r) for r in sources.tax_rates),
            relookup_tax_rates="TAX_RATES" in parts,
            paid_amount=_paid(refreshed),
            product_tax_categories={p["id"]: p.get("tax_category") or "STANDARD" for p in sources.products.values()},
            invoice_type=refreshed.get("type"),
            exchange_rates=tuple(ExchangeRate.from_fields(r) for r in sources.exchange_rates),
            # FULL reads the exchange rates again (docs/refresh.md); the other types keep those shown.
            shown_exchange_rates=() if "FULL" in types else shown_rates(refreshed),
        ),
    )
    return _with_adjustments(_apply_derived(refreshed, derived, sources.platform), adjustments)
