"""Everything derived from an invoice's lines (docs/refresh.md: recomputed by every refresh).

Input: the periods -> groups -> lines as stored, for any invoice type. A line states one amount (net
under EXCLUDING_TAX, gross under INCLUDING_TAX); line tax, the other amount, every `tax_categories`
list, group and period totals, the tax summary, the invoice totals, the payment status and the
validation result are computed from the stated amounts and the current tax facts. Running it on its
own output changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from typing import Any

from invoicegraph.billing import validation
from invoicegraph.billing.fields import copied_fields
from invoicegraph.billing.inputs import DerivationInputs, StoredTaxRate
from invoicegraph.billing.instants import parse_instant
from invoicegraph.billing.local_amounts import LocalAmounts, local_currency
from invoicegraph.billing.money import CONTEXT, amount, parse_amount, round_money
from invoicegraph.billing.rate_book import SALES_TAX, RateBook
from invoicegraph.billing.tax import EXCLUDING_TAX, TaxedLine, category_entries, tax_lines
from invoicegraph.billing.totals import balance, balance_fields, tax_summary
from invoicegraph.billing.treatment import applies_country_rates, decide, treat
from invoicegraph.billing.validation import ValidationEntry

_NO_PERIOD = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DerivedInvoice:
    periods: list[dict[str, Any]]
    tax_categories: list[dict[str, Any]]
    tax_summary: dict[str, Any]
    invoice_amount_including_tax: dict[str, str]
    paid_invoice_amount: dict[str, str]
    open_invoice_amount: dict[str, str]
    closed_invoice_amount: dict[str, str]
    payment_status: str
    validation_result: list[ValidationEntry]
    # The rate used per (category, country): what the invoice stores until a TAX_RATES refresh.
    tax_rates: list[dict[str, Any]]
    # The billing entity's registration chosen for the customer's country; None = its own.
    used_tax_registration_id: str | None
    # The sales tax rate used and where it came from; None when no sales tax applied.
    sales_tax: StoredTaxRate | None = None

    @property
    def has_blocking_error(self) -> bool:
        return validation.has_blocking_error(self.validation_result)

    def as_dict(self) -> dict[str, Any]:
        """The invoice fields this computation owns, in the vendor shape."""
        return {
            "periods": self.periods,
            "tax_categories": self.tax_categories,
            "tax_summary": self.tax_summary,
            "invoice_amount_including_tax": self.invoice_amount_including_tax,
            "paid_invoice_amount": self.paid_invoice_amount,
            "open_invoice_amount": self.open_invoice_amount,
            "closed_invoice_amount": self.closed_invoice_amount,
            "payment_status": self.payment_status,
            "validation_result": self.validation_result,
            "tax_rates": self.tax_rates,
            "used_tax_registration_id": self.used_tax_registration_id,
        }


def recompute_derived(periods: Sequence[Mapping[str, Any]], inputs: DerivationInputs) -> DerivedInvoice:
    """Recompute every derived value of an invoice from its stated line amounts (never mutates `periods`)."""
    with localcontext(CONTEXT):
        return _recompute(periods, inputs)


def _recompute(periods: Sequence[Mapping[str, Any]], inputs: DerivationInputs) -> DerivedInvoice:
    currency = inputs.billing_currency
    result: list[dict[str, Any]] = sorted((copied_fields(p) for p in periods), key=lambda p: int(p.get("period_order", 0)))
    ends = {id(p): parse_instant(p["end_at"]) for p in result if p.get("end_at")}
    invoice_end = max(ends.values(), default=_NO_PERIOD)
    book = RateBook(inputs.stored_tax_rates, inputs.tax_rate_table, inputs.relookup_tax_rates)
    decision = decide(inputs.tax)
    if decision.kind == SALES_TAX:
        used = book.sales_tax(inputs.tax.invoice_sales_tax_percentage, inputs.tax.subscription_sales_tax_percentage)
        decision = replace(decision, sales_tax_percentage=used.percentage if used else None)
    stated_key = "amount_excluding_tax" if inputs.pricing_amount_type == EXCLUDING_TAX else "amount_including_tax"
    local = LocalAmounts(
        currency,
        local_currency(decision.country, currency) if applies_country_rates(decision) else None,
        inputs.shown_exchange_rates,
        inputs.exchange_rates,
    )

    flat: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = []
    for period in result:
        period["groups"] = sorted(period.get("groups") or [], key=lambda g: int(g.get("group_order", 0)))
        for group in period["groups"]:
            group["lines"] = sorted(group.get("lines") or [], key=lambda line: int(line.get("line_order", 0)))
            flat.extend((period, group, line) for line in group["lines"])

    treatments = [
        treat(decision, _product_category(line, inputs.product_tax_categories), book, ends.get(id(period), invoice_end))
        for period, _, line in flat
    ]
    sources = [round_money(parse_amount(line.get(stated_key)), currency) for _, _, line in flat]
    buckets = [(id(period), id(group)) for period, group, _ in flat]
    taxed = tax_lines(sources, treatments, inputs.pricing_amount_type, currency, buckets)

    by_group: dict[int, list[TaxedLine]] = {}
    by_period: dict[int, list[TaxedLine]] = {}
    for (period, group, line), line_tax in zip(flat, taxed, strict=True):
        line["amount_excluding_tax"] = amount(line_tax.net, currency)
        line["amount_including_tax"] = amount(line_tax.gross, currency)
        line["tax_categories"] = category_entries([line_tax], currency)
        local.add(line["tax_categories"], ends.get(id(period), invoice_end))
        by_group.setdefault(id(group), []).append(line_tax)
        by_period.setdefault(id(period), []).append(line_tax)
    for period in result:
        at = ends.get(id(period), invoice_end)
        _set_totals(period, by_period.get(id(period), []), currency)
        local.add(period["tax_categories"], at)
        for group in period["groups"]:
            _set_totals(group, by_group.get(id(group), []), currency)
            local.add(group["tax_categories"], at)

    invoice_categories = category_entries(taxed, currency)
    notes = [note for entry in invoice_categories for note in entry["notes"]]
    summary = tax_summary(taxed, decision.country, list(dict.fromkeys(notes)), currency)
    if ends:  # an invoice without periods has nothing to convert, and no period end to look a rate up at
        local.add([*invoice_categories, summary], invoice_end)
    totals = balance(parse_amount(summary["total_amount"]), inputs.paid_amount, currency)
    entries = [*decision.validation, *book.missing, *_exchange_rate_errors(result, currency), *local.missing]
    if inputs.invoice_type == "STANDARD" and totals.total < 0:
        entries.append(validation.negative_total(summary["total_amount"]["quantity"], currency))
    return DerivedInvoice(
        periods=result,
        tax_categories=invoice_categories,
        tax_summary=summary,
        validation_result=validation.unique(entries),
        tax_rates=[rate.as_dict() for rate in book.used_rates()],
        used_tax_registration_id=decision.used_tax_registration_id,
        sales_tax=book.used.get((SALES_TAX, "US", None)),
        **balance_fields(totals, currency),
    )


def _product_category(line: Mapping[str, Any], by_product: Mapping[str, str]) -> str:
    category = line.get("tax_category")
    if isinstance(category, str) and category:
        return category
    product_id = line.get("product_id")
    return by_product.get(product_id, "STANDARD") if isinstance(product_id, str) else "STANDARD"


def _set_totals(target: dict[str, Any], lines: Sequence[TaxedLine], currency: str) -> None:
    net = sum((line.net for line in lines), Decimal(0))
    tax = sum((line.tax for line in lines), Decimal(0))
    target["amount_excluding_tax"] = amount(net, currency)
    target["amount_including_tax"] = amount(net + tax, currency)
    target["tax_categories"] = category_entries(lines, currency)


def _exchange_rate_errors(periods: Sequence[Mapping[str, Any]], currency: str) -> list[ValidationEntry]:
    """A line converted without a rate (priced at 0) is recognised from its details on every refresh."""
    found = []
    for period in periods:
        for group in period["groups"]:
            for line in group["lines"]:
                details = line.get("details") or {}
                source = details.get("pricing_currency")
                if source and source != currency and not details.get("used_exchange_rates") and period.get("end_at"):
                    found.append(validation.missing_exchange_rate(source, currency, parse_instant(period["end_at"])))
    return found
