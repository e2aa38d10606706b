"""The engine against an independent reference calculation on generated invoices (hypothesis).

The reference below is written from docs/billing-decisions.md alone, as simply as it can be said: each tier
as a band of units, the latest exchange rate and the tax rate valid at each period's end found by
scanning the tables, tax per (category, percentage) group over the whole invoice, VAT shown in the
local currency at the last period's end. It shares no code with the engine (only `Decimal`). The
strategies generate tier bounds, several rate timestamps inside and around the periods, and invoices
that are mostly taxed by a country's rates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicegraph.billing import RatingInputs, rate_invoice
from invoicegraph.billing.inputs import ExchangeRate, InvoicePeriodInput, PricingItem, PricingPlan, Product, Subscription, TaxRate, Tier

from .factories import examples, tax_facts

MONTHS = [datetime(2026, month, 1, tzinfo=UTC) for month in range(9, 13)] + [datetime(2027, 1, 1, tzinfo=UTC)]
DECIMALS = {"EUR": 2, "USD": 2, "JPY": 0, "BHD": 3, "GBP": 2}
LOCAL = {"NL": "EUR", "DE": "EUR", "GB": "GBP"}
PRODUCTS = (Product("prod_std", "Standard", "STANDARD"), Product("prod_red", "Reduced", "REDUCED"), Product("prod_zero", "Zero", "ZERO"))
# (entity, customer, kind): NL and DE rates, GB rates, and one untaxed case (outside scope).
SALES = (
    ("NL", "NL", "ORGANIZATION"),
    ("NL", "DE", "INDIVIDUAL"),
    ("DE", "DE", "ORGANIZATION"),
    ("GB", "GB", "ORGANIZATION"),
    ("NL", "US", "ORGANIZATION"),
)

price = st.decimals(min_value=0, max_value=500, places=3)
unit = st.decimals(min_value=0, max_value=2, places=5)
# Instants on, next to and between the period ends.
instants = st.sampled_from([m + offset for m in MONTHS for offset in (timedelta(0), -timedelta(seconds=1), timedelta(days=9))])


def rounded(value: Decimal, currency: str) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-DECIMALS[currency]), rounding=ROUND_HALF_UP)


@st.composite
def items(draw: st.DrawFn, index: int) -> PricingItem:
    model = draw(st.sampled_from(("FLAT", "PER_UNIT", "GRADUATED", "VOLUME", "PACKAGE")))
    bounds = sorted(draw(st.sets(st.integers(1, 2000), min_size=0, max_size=3)))
    tiers = (*(Tier(Decimal(b), draw(unit), draw(st.sampled_from((Decimal(0), draw(price))))) for b in bounds), Tier(None, draw(unit)))
    usage = model != "FLAT"
    return PricingItem(
        id=f"pitm_{index}",
        product_id=draw(st.sampled_from(PRODUCTS)).id,
        model=model,
        price=draw(price),
        unit_price=draw(unit),
        tiers=tiers,
        flat_price=draw(st.sampled_from((None, Decimal("10")))),
        package_size=Decimal(draw(st.sampled_from((1, 7, 100)))),
        package_price=draw(price),
        meter_value_id="metv_1" if usage else None,
        aggregation="SUM" if usage else None,
        included_quantity=Decimal(draw(st.sampled_from((0, 5)))) if usage else Decimal(0),
    )


@st.composite
def tables(draw: st.DrawFn) -> tuple[TaxRate, ...]:
    rows = []
    for country in ("NL", "DE", "GB"):
        for category in ("STANDARD", "REDUCED"):
            for n in range(draw(st.integers(0 if category == "REDUCED" else 1, 3))):
                start = draw(st.one_of(st.none(), instants))
                end = draw(st.one_of(st.none(), instants))
                percentage = Decimal(draw(st.sampled_from(("5", "9", "19", "20", "21", "22", "8.5"))))
                rows.append(TaxRate(f"txrt_{country}_{category}_{n}", country, category, percentage, f"{country} {category}", start, end))
    return tuple(rows)


@st.composite
def invoices(draw: st.DrawFn) -> RatingInputs:
    plan_items = [draw(items(i)) for i in range(draw(st.integers(1, 4)))]
    first = draw(st.integers(0, 2))
    periods = tuple(InvoicePeriodInput(MONTHS[i], MONTHS[i + 1]) for i in range(first, first + draw(st.integers(1, 2))))
    usage = {(p, i.id): Decimal(draw(st.integers(0, 3000))) for p in range(len(periods)) for i in plan_items if i.meter_value_id}
    currencies = tuple(DECIMALS)
    rates = [
        ExchangeRate(f"fxrt_{base}_{quote}_{n}", base, quote, draw(st.decimals(min_value="0.01", max_value=150, places=4)), draw(instants))
        for base in currencies
        for quote in currencies
        if base != quote
        for n in range(draw(st.integers(0, 2)))
    ]
    entity, customer, kind = draw(st.sampled_from(SALES))
    return RatingInputs(
        invoice_id="invo_ref",
        customer_id="cust_1",
        billing_currency=draw(st.sampled_from(currencies)),
        pricing_amount_type="EXCLUDING_TAX",
        periods=periods,
        subscriptions=(Subscription("psub_1", "ppln_1"),),
        pricing_plans=(PricingPlan("ppln_1", "Plan", draw(st.sampled_from(currencies)), tuple(plan_items)),),
        products=PRODUCTS,
        tax=tax_facts(entity, customer, kind=kind),
        usage=usage,
        exchange_rates=tuple(rates),
        tax_rates=draw(tables()),
        add_zero_meter_value_invoice_lines=draw(st.booleans()),
    )


# --- the reference ------------------------------------------------------------------------------


def band_price(item: PricingItem, q: Decimal) -> Decimal:
    if item.model == "FLAT":
        return item.price or Decimal(0)
    q = max(q - item.included_quantity, Decimal(0))
    if item.model == "PER_UNIT":
        return q * (item.unit_price or 0)
    if item.model == "PACKAGE":
        return (q / (item.package_size or 1)).to_integral_value(rounding=ROUND_CEILING) * (item.package_price or 0)
    if q == 0:
        return Decimal(0)  # no tier, no flat price
    extra = item.flat_price or Decimal(0)
    uppers = [t.up_to for t in item.tiers[:-1]] + [None]
    if item.model == "VOLUME":
        tier = next(t for t, upper in zip(item.tiers, uppers, strict=True) if upper is None or q <= upper)
        return q * tier.unit_price + tier.flat_price + extra
    total, lower = Decimal(0), Decimal(0)
    for tier, upper in zip(item.tiers, uppers, strict=True):
        inside = (q if upper is None else min(q, upper)) - lower
        if inside > 0:
            total += inside * tier.unit_price + tier.flat_price
        lower = upper if upper is not None else lower
    return total + extra


def latest_rate(rates: tuple[ExchangeRate, ...], base: str, quote: str, at: datetime) -> Decimal | None:
    best: ExchangeRate | None = None
    for rate in rates:
        candidate = rate.base_currency == base and rate.currency == quote and rate.rate_timestamp <= at
        if candidate and (best is None or (rate.rate_timestamp, rate.id) > (best.rate_timestamp, best.id)):
            best = rate
    return None if best is None else best.rate


def tax_percentage(table: tuple[TaxRate, ...], country: str, category: str, at: datetime) -> Decimal:
    valid = [r for r in table if r.country == country and r.category == category]
    valid = [r for r in valid if (r.valid_from is None or r.valid_from <= at) and (r.valid_to is None or at < r.valid_to)]
    if not valid:
        return Decimal(0)
    best = max(valid, key=lambda r: (r.valid_from is not None, r.valid_from or at, r.id))
    return best.percentage


@dataclass
class Expected:
    period_net: list[Decimal]
    base: Decimal
    tax: Decimal
    local: tuple[Decimal, Decimal, Decimal] | None


def reference(inputs: RatingInputs) -> Expected:
    billing = inputs.billing_currency
    plan = inputs.pricing_plans[0]
    entity, customer = inputs.tax.entity.country, inputs.tax.customer.country or ""
    taxed_by = customer if customer in LOCAL and (entity == customer or inputs.tax.customer.type == "INDIVIDUAL") else None
    categories = {p.id: p.tax_category for p in PRODUCTS}
    groups: dict[tuple[str, Decimal], Decimal] = {}
    period_net = []
    for index, period in enumerate(inputs.periods):
        net = Decimal(0)
        for item in plan.items:
            q = inputs.usage.get((index, item.id), Decimal(0)) if item.meter_value_id else Decimal(1)
            if item.meter_value_id and q == 0 and not inputs.add_zero_meter_value_invoice_lines:
                continue
            raw = band_price(item, q)
            factor = Decimal(1) if plan.currency == billing else latest_rate(inputs.exchange_rates, plan.currency, billing, period.end_at)
            amount = rounded(raw * (factor or 0), billing)
            category = categories[item.product_id]
            percentage = Decimal(0)
            if taxed_by is not None and category != "ZERO":
                percentage = tax_percentage(inputs.tax_rates, taxed_by, category, period.end_at)
            key = ("ZERO" if category == "ZERO" or taxed_by is None else category, percentage)
            groups[key] = groups.get(key, Decimal(0)) + amount
            net += amount
        period_net.append(net)
    base = sum(period_net, Decimal(0))
    tax = sum((rounded(total * p / 100, billing) for (_, p), total in groups.items()), Decimal(0))
    local = None
    if taxed_by is not None and LOCAL[taxed_by] != billing:
        factor = latest_rate(inputs.exchange_rates, billing, LOCAL[taxed_by], inputs.periods[-1].end_at)
        if factor is not None:
            local = (
                rounded(base * factor, LOCAL[taxed_by]),
                rounded(tax * factor, LOCAL[taxed_by]),
                rounded((base + tax) * factor, LOCAL[taxed_by]),
            )
    return Expected(period_net, base, tax, local)


def dec(amount: dict[str, Any]) -> Decimal:
    return Decimal(amount["quantity"])


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_the_engine_agrees_with_the_reference_calculation(inputs: RatingInputs) -> None:
    with localcontext() as context:
        context.prec = 80
        expected = reference(inputs)
    derived = rate_invoice(inputs).derived
    assert [dec(p["amount_excluding_tax"]) for p in derived.periods] == expected.period_net
    summary = derived.tax_summary
    assert (dec(summary["base_amount"]), dec(summary["tax_amount"]), dec(summary["total_amount"])) == (
        expected.base,
        expected.tax,
        expected.base + expected.tax,
    )
    shown = summary["local_amounts"]
    assert (None if shown is None else (dec(shown["base_amount"]), dec(shown["tax_amount"]), dec(shown["total_amount"]))) == expected.local
