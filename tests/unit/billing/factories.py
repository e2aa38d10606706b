"""Plain factory helpers for the billing engine tests (no fixtures, no database)."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from invoicegraph.billing import DerivationInputs, DerivedInvoice, RatedInvoice, RatingInputs, rate_invoice, recompute_derived
from invoicegraph.billing.inputs import (
    Coupon,
    CustomerTaxFacts,
    EntityTaxFacts,
    ExchangeRate,
    InvoicePeriodInput,
    PricingItem,
    PricingPlan,
    Product,
    PromotionCode,
    Subscription,
    TaxFacts,
    TaxIdFact,
    TaxRate,
    TaxRegistrationFact,
)

D = Decimal


def refusal(call: Callable[[], object]) -> str:
    """The message of the ValueError `call` raises (the whole message, for an exact comparison)."""
    try:
        call()
    except ValueError as error:
        return str(error)
    raise AssertionError("no ValueError was raised")


def examples(default: int) -> int:
    """Hypothesis examples per property test. `make mutate` runs the covering tests once per mutant and
    asks for fewer through INVOICEGRAPH_TEST_EXAMPLES; `make test` runs the default."""
    return int(os.environ.get("INVOICEGRAPH_TEST_EXAMPLES", default))


NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
JAN_1 = datetime(2027, 1, 1, tzinfo=UTC)
PERIOD = InvoicePeriodInput(NOV_1, DEC_1)

RATE_TABLE = (
    TaxRate("txrt_nl_std", "NL", "STANDARD", D("21"), "BTW", valid_from=datetime(2012, 10, 1, tzinfo=UTC)),
    TaxRate("txrt_nl_red", "NL", "REDUCED", D("9"), "BTW laag", valid_from=datetime(2019, 1, 1, tzinfo=UTC)),
    TaxRate("txrt_de_std", "DE", "STANDARD", D("19"), "MwSt", valid_from=datetime(2007, 1, 1, tzinfo=UTC)),
    TaxRate("txrt_be_std", "BE", "STANDARD", D("21"), "TVA/BTW", valid_from=datetime(1996, 1, 1, tzinfo=UTC)),
    TaxRate("txrt_gb_std", "GB", "STANDARD", D("20"), "VAT", valid_from=datetime(2011, 1, 4, tzinfo=UTC)),
)


def tax_facts(
    entity: str = "NL",
    customer: str | None = "NL",
    *,
    kind: str = "ORGANIZATION",
    tax_ids: Sequence[TaxIdFact] = (TaxIdFact("XX123"),),
    exempt: bool = False,
    registrations: Sequence[tuple[str, str]] = (),
    invoice_pct: str | None = None,
    subscription_pct: str | None = None,
) -> TaxFacts:
    return TaxFacts(
        customer=CustomerTaxFacts("cust_1", kind, customer, tuple(tax_ids), exempt),
        entity=EntityTaxFacts("enti_1", entity, tuple(TaxRegistrationFact(rid, country) for rid, country in registrations)),
        invoice_sales_tax_percentage=None if invoice_pct is None else D(invoice_pct),
        subscription_sales_tax_percentage=None if subscription_pct is None else D(subscription_pct),
    )


def flat(price: str, item_id: str = "pitm_flat", product_id: str = "prod_std") -> PricingItem:
    return PricingItem(id=item_id, product_id=product_id, model="FLAT", price=D(price), description=f"Flat {item_id}")


PRODUCTS = (
    Product("prod_std", "Standard thing", "STANDARD"),
    Product("prod_red", "Reduced thing", "REDUCED"),
    Product("prod_zero", "Zero thing", "ZERO"),
    Product("prod_api", "API calls", "STANDARD"),
)


def rating_inputs(
    items: Sequence[PricingItem] = (),
    *,
    usage: Mapping[tuple[int, str], Decimal] | None = None,
    tax: TaxFacts | None = None,
    plan_currency: str = "EUR",
    billing_currency: str = "EUR",
    pricing_amount_type: str = "EXCLUDING_TAX",
    periods: Sequence[InvoicePeriodInput] = (PERIOD,),
    coupons: Sequence[Coupon] = (),
    promotion_codes: Sequence[PromotionCode] = (),
    coupon_ids: Sequence[str] = (),
    promotion_code_ids: Sequence[str] = (),
    exchange_rates: Sequence[ExchangeRate] = (),
    tax_rates: Sequence[TaxRate] = RATE_TABLE,
    subscription: Subscription | None = None,
    add_zero: bool = False,
    paid: str = "0",
    invoice_id: str = "invo_1",
    redeemed: frozenset[str] = frozenset(),
) -> RatingInputs:
    plan = PricingPlan("ppln_1", "Plan", plan_currency, tuple(items))
    sub = subscription or Subscription("psub_1", "ppln_1", tuple(coupon_ids), tuple(promotion_code_ids))
    return RatingInputs(
        invoice_id=invoice_id,
        customer_id="cust_1",
        billing_currency=billing_currency,
        pricing_amount_type=pricing_amount_type,
        periods=tuple(periods),
        subscriptions=(sub,),
        pricing_plans=(plan,),
        products=PRODUCTS,
        tax=tax or tax_facts(),
        usage=dict(usage or {}),
        coupons=tuple(coupons),
        promotion_codes=tuple(promotion_codes),
        exchange_rates=tuple(exchange_rates),
        tax_rates=tuple(tax_rates),
        add_zero_meter_value_invoice_lines=add_zero,
        paid_amount=D(paid),
        redeemed_by_this_invoice=redeemed,
    )


def rate(items: Sequence[PricingItem] = (), **kwargs: Any) -> RatedInvoice:
    return rate_invoice(rating_inputs(items, **kwargs))


def lines_of(invoice: RatedInvoice | DerivedInvoice) -> list[dict[str, Any]]:
    derived = invoice.derived if isinstance(invoice, RatedInvoice) else invoice
    return [line for p in derived.periods for g in p["groups"] for line in g["lines"]]


def q(amount: Mapping[str, str]) -> str:
    """The quantity of an Amount dict."""
    return amount["quantity"]


def stored_periods(
    line_amounts: Sequence[str],
    *,
    currency: str = "EUR",
    stated_key: str = "amount_excluding_tax",
    categories: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Periods as a ONE_OFF / CREDIT invoice stores them: lines with only their stated amount."""
    lines = [
        {
            "id": f"line_{index}",
            "line_order": index,
            "description": f"Line {index}",
            "type": "REVENUE",
            "product_id": "prod_std",
            **({"tax_category": categories[index]} if categories else {}),
            stated_key: {"quantity": value, "currency": currency},
        }
        for index, value in enumerate(line_amounts)
    ]
    return [
        {
            "period_order": 0,
            "start_at": "2026-11-01T00:00:00Z",
            "end_at": "2026-12-01T00:00:00Z",
            "billing_period": {"type": "MONTH", "value": 1},
            "groups": [{"group_order": 0, "lines": lines}],
        }
    ]


def derive(
    line_amounts: Sequence[str],
    *,
    tax: TaxFacts | None = None,
    currency: str = "EUR",
    pricing_amount_type: str = "EXCLUDING_TAX",
    paid: str = "0",
    categories: Sequence[str] | None = None,
    tax_rates: Sequence[TaxRate] = RATE_TABLE,
) -> DerivedInvoice:
    stated_key = "amount_excluding_tax" if pricing_amount_type == "EXCLUDING_TAX" else "amount_including_tax"
    return recompute_derived(
        stored_periods(line_amounts, currency=currency, stated_key=stated_key, categories=categories),
        DerivationInputs(
            billing_currency=currency,
            pricing_amount_type=pricing_amount_type,
            tax=tax or tax_facts(),
            tax_rate_table=tuple(tax_rates),
            paid_amount=D(paid),
        ),
    )


def rerun(rated: RatedInvoice, inputs: RatingInputs) -> DerivedInvoice:
    """A later non-FULL refresh of the same invoice: stored rates kept, nothing re-rated."""
    from invoicegraph.billing.inputs import StoredTaxRate
    from invoicegraph.billing.local_amounts import shown_rates

    return recompute_derived(
        rated.derived.periods,
        DerivationInputs(
            billing_currency=inputs.billing_currency,
            pricing_amount_type=inputs.pricing_amount_type,
            tax=inputs.tax,
            stored_tax_rates=tuple(StoredTaxRate.from_fields(r) for r in rated.derived.tax_rates),
            tax_rate_table=inputs.tax_rates,
            paid_amount=inputs.paid_amount,
            invoice_type="STANDARD",
            exchange_rates=inputs.exchange_rates,
            shown_exchange_rates=shown_rates(rated.derived.as_dict()),
        ),
    )
