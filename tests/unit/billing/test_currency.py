"""Exchange rates (docs/billing-decisions.md): selection, conversion, the missing-rate error."""

from datetime import UTC, datetime
from decimal import Decimal as D

from invoicegraph.billing.currency import select_rate
from invoicegraph.billing.inputs import ExchangeRate, InvoicePeriodInput

from .factories import DEC_1, JAN_1, NOV_1, flat, lines_of, q, rate, rating_inputs, rerun

OCT_31 = datetime(2026, 10, 31, tzinfo=UTC)
RATES = (
    ExchangeRate("fxrt_old", "USD", "EUR", D("0.9000"), datetime(2026, 9, 30, tzinfo=UTC), "ECB"),
    ExchangeRate("fxrt_oct", "USD", "EUR", D("0.9200"), OCT_31, "ECB"),
    ExchangeRate("fxrt_after", "USD", "EUR", D("0.9900"), datetime(2026, 12, 2, tzinfo=UTC), "ECB"),
    ExchangeRate("fxrt_rev", "EUR", "USD", D("1.0900"), OCT_31, "ECB"),
)


def test_latest_rate_at_or_before_the_period_end_for_base_to_billing_currency() -> None:
    assert select_rate(RATES, "USD", "EUR", DEC_1).id == "fxrt_oct"  # type: ignore[union-attr]
    assert select_rate(RATES, "USD", "EUR", datetime(2026, 12, 2, tzinfo=UTC)).id == "fxrt_after"  # type: ignore[union-attr]
    assert select_rate(RATES, "USD", "EUR", datetime(2026, 9, 1, tzinfo=UTC)) is None
    assert select_rate(RATES, "USD", "JPY", DEC_1) is None


def test_timestamp_ties_go_to_the_greatest_id_whatever_the_row_order() -> None:
    a = ExchangeRate("fxrt_a", "USD", "EUR", D("0.91"), OCT_31)
    b = ExchangeRate("fxrt_b", "USD", "EUR", D("0.93"), OCT_31)
    assert select_rate([a, b], "USD", "EUR", DEC_1) == select_rate([b, a], "USD", "EUR", DEC_1) == b


def test_each_period_uses_the_rate_of_its_own_end() -> None:
    rated = rate(
        [flat("100.00")],
        plan_currency="USD",
        exchange_rates=RATES,
        periods=[InvoicePeriodInput(NOV_1, DEC_1), InvoicePeriodInput(DEC_1, JAN_1)],
    )
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["92.00", "99.00"]
    assert [r["rate"] for r in rated.used_exchange_rates] == ["0.9200", "0.9900"]


def test_same_rate_used_by_many_lines_is_listed_once() -> None:
    rated = rate([flat("100.00", "pitm_a"), flat("50.00", "pitm_b")], plan_currency="USD", exchange_rates=RATES)
    assert [q(line["amount_excluding_tax"]) for line in lines_of(rated)] == ["92.00", "46.00"]
    assert len(rated.used_exchange_rates) == 1


def test_missing_rate_prices_the_line_at_zero_with_a_blocking_error_that_later_refreshes_keep() -> None:
    inputs = rating_inputs([flat("100.00")], plan_currency="GBP", exchange_rates=RATES)
    from invoicegraph.billing import rate_invoice

    rated = rate_invoice(inputs)
    assert q(lines_of(rated)[0]["amount_excluding_tax"]) == "0.00"
    assert rated.derived.validation_result == [
        {"status": "ERROR", "details": "No exchange rate from GBP to EUR at or before 2026-12-01T00:00:00Z; the line is priced at 0"}
    ]
    assert rated.used_exchange_rates == []
    assert rerun(rated, inputs).validation_result == rated.derived.validation_result


def test_conversion_rounds_once_into_the_billing_currency_minor_unit() -> None:
    to_jpy = ExchangeRate("fxrt_jpy", "EUR", "JPY", D("161.2345"), OCT_31)
    rated = rate([flat("10.01")], billing_currency="JPY", exchange_rates=[to_jpy], tax_rates=())
    assert lines_of(rated)[0]["amount_excluding_tax"] == {"quantity": "1614", "currency": "JPY"}  # 1613.957...


def test_converted_line_records_the_pricing_amount_and_the_rate_used() -> None:
    rated = rate([flat("100.00")], plan_currency="USD", exchange_rates=RATES)
    details = lines_of(rated)[0]["details"]
    assert details["pricing_currency"] == "USD"
    assert details["pricing_amount"] == {"quantity": "100.00", "currency": "USD"}
    assert details["amount"] == {"quantity": "92.00", "currency": "EUR"}
    assert (
        details["used_exchange_rates"]
        == rated.used_exchange_rates
        == [{"currency": "EUR", "base_currency": "USD", "rate_timestamp": "2026-10-31T00:00:00Z", "rate": "0.9200", "source": "ECB"}]
    )
