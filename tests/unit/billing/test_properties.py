"""Property tests of the totals invariants over generated invoices (hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicegraph.billing import DerivationInputs, RatedInvoice, RatingInputs, rate_invoice, recompute_derived
from invoicegraph.billing.country_currency import country_currency
from invoicegraph.billing.inputs import (
    Coupon,
    ExchangeRate,
    InvoicePeriodInput,
    PricingItem,
    PricingPlan,
    Subscription,
    TaxIdFact,
    Tier,
)
from invoicegraph.billing.money import minor_units

from .factories import PRODUCTS, RATE_TABLE, examples, rerun, tax_facts

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
PERIODS = (
    InvoicePeriodInput(NOV_1, datetime(2026, 12, 1, tzinfo=UTC)),
    InvoicePeriodInput(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)),
)
CURRENCIES = ("EUR", "JPY", "BHD", "USD")
# (entity, customer) pairs covering every branch of the tax decision, taxed ones more often.
PAIRS = (
    ("NL", "NL"),
    ("NL", "NL"),
    ("NL", "DE"),
    ("NL", "BE"),
    ("NL", "FR"),
    ("NL", "US"),
    ("NL", None),
    ("US", "US"),
    ("US", "US"),
    ("US", "NL"),
    ("GB", "GB"),
    ("GB", "CH"),
)
MOSTLY = st.sampled_from((True, True, True, False))

money = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=4, allow_nan=False, allow_infinity=False)
quantity = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=3, allow_nan=False, allow_infinity=False)


@st.composite
def pricing_items(draw: st.DrawFn, index: int) -> PricingItem:
    model = draw(st.sampled_from(("FLAT", "PER_UNIT", "GRADUATED", "VOLUME", "PACKAGE")))
    product = draw(st.sampled_from(PRODUCTS)).id
    usage = model != "FLAT" and draw(st.booleans())
    unit = st.decimals(min_value=Decimal("0"), max_value=Decimal("3"), places=6, allow_nan=False, allow_infinity=False)
    tiers = (Tier(Decimal("100"), draw(unit), draw(money)), Tier(Decimal("1000"), draw(unit)), Tier(None, draw(unit)))
    return PricingItem(
        id=f"pitm_{index}",
        product_id=product,
        model=model,
        price=draw(money),
        unit_price=draw(unit),
        tiers=tiers,
        package_size=draw(st.sampled_from((Decimal("1"), Decimal("10"), Decimal("1000")))),
        package_price=draw(money),
        meter_value_id="metv_calls" if usage else None,
        aggregation="SUM" if usage else None,
        included_quantity=draw(st.sampled_from((Decimal(0), Decimal(50)))) if usage else Decimal(0),
    )


@st.composite
def coupons(draw: st.DrawFn, index: int) -> Coupon:
    percentage = draw(st.booleans())
    return Coupon(
        id=f"coup_{index}",
        name=f"Coupon {index}",
        status="ACTIVE",
        discount_type="PERCENTAGE" if percentage else "AMOUNT",
        percentage=draw(st.decimals(min_value=Decimal(0), max_value=Decimal(100), places=2)) if percentage else None,
        amount=None if percentage else draw(money),
        amount_currency=None if percentage else draw(st.sampled_from(CURRENCIES)),
        duration_type=draw(st.sampled_from(("FOREVER", "ONE_TIME"))),
        limited_to_product_ids=draw(st.sampled_from(((), ("prod_std",), ("prod_red", "prod_zero")))),
    )


@st.composite
def invoices(draw: st.DrawFn) -> RatingInputs:
    items = [draw(pricing_items(i)) for i in range(draw(st.integers(1, 4)))]
    periods = PERIODS[: draw(st.integers(1, 2))]
    usage = {(p, item.id): draw(quantity) for p in range(len(periods)) for item in items if item.meter_value_id and draw(st.booleans())}
    attached = [draw(coupons(i)) for i in range(draw(st.integers(0, 3)))]
    rates = [
        ExchangeRate(
            f"fxrt_{base}_{quote}",
            base,
            quote,
            draw(st.decimals(min_value=Decimal("0.001"), max_value=Decimal("200"), places=4)),
            NOV_1,
            "ECB",
        )
        for base in CURRENCIES
        for quote in CURRENCIES
        if base != quote and draw(MOSTLY)
    ]
    entity, customer = draw(st.sampled_from(PAIRS))
    return RatingInputs(
        invoice_id="invo_prop",
        customer_id="cust_1",
        billing_currency=draw(st.sampled_from(CURRENCIES)),
        pricing_amount_type=draw(st.sampled_from(("EXCLUDING_TAX", "INCLUDING_TAX"))),
        periods=periods,
        subscriptions=(Subscription("psub_1", "ppln_1", tuple(c.id for c in attached)),),
        pricing_plans=(PricingPlan("ppln_1", "Plan", draw(st.sampled_from(CURRENCIES)), tuple(items)),),
        products=PRODUCTS,
        usage=usage,
        coupons=tuple(attached),
        exchange_rates=tuple(rates),
        tax_rates=RATE_TABLE,
        tax=tax_facts(
            entity,
            customer,
            kind=draw(st.sampled_from(("ORGANIZATION", "INDIVIDUAL"))),
            tax_ids=draw(st.sampled_from(((), (TaxIdFact("X1"),), (TaxIdFact("X2", "NOT_VALID"),)))),
            exempt=not draw(MOSTLY),
            invoice_pct=draw(st.sampled_from((None, "7.25", "8.875"))),
        ),
        add_zero_meter_value_invoice_lines=draw(st.booleans()),
        paid_amount=draw(st.sampled_from((Decimal(0), Decimal("10"), Decimal("1000000")))),
    )


def dec(amount: dict[str, str]) -> Decimal:
    return Decimal(amount["quantity"])


def amounts(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, str]]]:
    if isinstance(node, dict):
        if set(node) == {"quantity", "currency"}:
            yield path, node
            return
        for key, value in node.items():
            yield from amounts(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from amounts(value, f"{path}.{index}")


def sum_categories(entries: list[dict[str, Any]], key: str) -> Decimal:
    return sum((dec(entry[key]) for entry in entries), Decimal(0))


SETTINGS = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(invoices())
def test_lines_sum_to_groups_to_periods_to_the_summary(inputs: RatingInputs) -> None:
    derived = rate_invoice(inputs).derived
    summary = derived.tax_summary
    period_net = period_gross = Decimal(0)
    for period in derived.periods:
        group_net = group_gross = Decimal(0)
        for group in period["groups"]:
            lines = group["lines"]
            assert dec(group["amount_excluding_tax"]) == sum((dec(line["amount_excluding_tax"]) for line in lines), Decimal(0))
            assert dec(group["amount_including_tax"]) == sum((dec(line["amount_including_tax"]) for line in lines), Decimal(0))
            assert dec(group["amount_excluding_tax"]) >= 0  # no negative price, and discounts never go below zero
            group_net += dec(group["amount_excluding_tax"])
            group_gross += dec(group["amount_including_tax"])
            for line in lines:
                entry = line["tax_categories"][0]
                assert dec(entry["base_amount"]) == dec(line["amount_excluding_tax"])
                assert dec(entry["total_amount"]) == dec(line["amount_including_tax"])
        assert (dec(period["amount_excluding_tax"]), dec(period["amount_including_tax"])) == (group_net, group_gross)
        assert sum_categories(period["tax_categories"], "base_amount") == group_net
        assert sum_categories(period["tax_categories"], "total_amount") == group_gross
        period_net += group_net
        period_gross += group_gross
    assert (dec(summary["base_amount"]), dec(summary["total_amount"])) == (period_net, period_gross)
    assert dec(summary["tax_amount"]) == period_gross - period_net
    assert dec(derived.invoice_amount_including_tax) == dec(summary["total_amount"])


@SETTINGS
@given(invoices())
def test_tax_categories_sum_to_the_summary(inputs: RatingInputs) -> None:
    derived = rate_invoice(inputs).derived
    for key in ("base_amount", "tax_amount", "total_amount"):
        assert sum_categories(derived.tax_categories, key) == dec(derived.tax_summary[key])
    keys = [(entry["category"], entry["percentage"]) for entry in derived.tax_categories]
    assert len(keys) == len(set(keys))


@SETTINGS
@given(invoices())
def test_every_amount_has_exactly_its_currency_decimals(inputs: RatingInputs) -> None:
    rated = rate_invoice(inputs)
    for path, amount in amounts(rated.as_dict()):
        decimals = minor_units(amount["currency"])
        text = amount["quantity"]
        assert (len(text.split(".")[1]) if "." in text else 0) == decimals, path
        if ".local_amounts." in path:
            assert amount["currency"] == country_currency(rated.derived.tax_summary["country_code"]) != inputs.billing_currency, path
        elif ".details." not in path and ".meter_value." not in path:
            assert amount["currency"] == inputs.billing_currency, path


@SETTINGS
@given(invoices(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_row_order(inputs: RatingInputs, random: Any) -> None:
    def shuffled(rows: tuple[Any, ...]) -> tuple[Any, ...]:
        copy = list(rows)
        random.shuffle(copy)
        return tuple(copy)

    reordered = RatingInputs(
        **{
            **inputs.__dict__,
            "tax_rates": shuffled(inputs.tax_rates),
            "exchange_rates": shuffled(inputs.exchange_rates),
            "coupons": shuffled(inputs.coupons),
            "products": shuffled(inputs.products),
            "usage": dict(reversed(list(inputs.usage.items()))),
        }
    )
    assert rate_invoice(reordered).as_dict() == rate_invoice(inputs).as_dict()


@SETTINGS
@given(invoices())
def test_refresh_of_an_unchanged_invoice_is_a_no_op(inputs: RatingInputs) -> None:
    rated: RatedInvoice = rate_invoice(inputs)
    again = rerun(rated, inputs)
    assert again == rated.derived
    assert rerun(RatedInvoice(again, [], [], [], [], False), inputs) == again
    # A TAX_RATES refresh against the same table changes nothing either.
    relooked = recompute_derived(
        rated.derived.periods,
        DerivationInputs(
            inputs.billing_currency,
            inputs.pricing_amount_type,
            inputs.tax,
            (),
            inputs.tax_rates,
            True,
            inputs.paid_amount,
            invoice_type="STANDARD",
            exchange_rates=inputs.exchange_rates,
        ),
    )
    assert relooked == rated.derived


@SETTINGS
@given(invoices())
def test_payment_status_and_balance_are_consistent(inputs: RatingInputs) -> None:
    derived = rate_invoice(inputs).derived
    total, paid = dec(derived.invoice_amount_including_tax), dec(derived.paid_invoice_amount)
    open_, closed = dec(derived.open_invoice_amount), dec(derived.closed_invoice_amount)
    assert open_ + closed == total
    assert open_ == max(total - paid, Decimal(0))  # as written, credit invoices included
    expected = (
        "PAID" if total == 0 or paid == abs(total) else "UNPAID" if paid == 0 else "PARTIALLY_PAID" if paid < abs(total) else "OVERPAID"
    )
    assert derived.payment_status == expected
