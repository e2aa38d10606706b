"""Tax amounts in the currency of the country of taxation (docs/billing-decisions.md, item 18).

Worked examples, by hand:
- EUR invoice of a NL entity with a Swedish registration to a Swedish customer: Swedish 25 %, shown in
  SEK. 100.00 EUR, tax 25.00, total 125.00; EUR→SEK 11.2345: 1123.45, 280.8625 → 280.86,
  1404.3125 → 1404.31.
- USD invoice of a German entity to a German customer: German 19 %, shown in EUR. 200.00 USD, tax
  38.00, total 238.00; USD→EUR 0.9215: 184.30, 35.017 → 35.02, 219.317 → 219.32.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D
from typing import Any

from invoicegraph.billing import DerivationInputs, recompute_derived
from invoicegraph.billing.country_currency import _by_country, _country_code, _words, country_currency
from invoicegraph.billing.inputs import ExchangeRate, InvoicePeriodInput, TaxRate
from invoicegraph.billing.local_amounts import shown_rates

from .factories import DEC_1, JAN_1, PERIOD, RATE_TABLE, flat, lines_of, q, rate, stored_periods, tax_facts

TABLE = (*RATE_TABLE, TaxRate("txrt_se_std", "SE", "STANDARD", D("25"), "Moms", datetime(1990, 7, 1, tzinfo=UTC)))
NOV_28 = datetime(2026, 11, 28, tzinfo=UTC)
EUR_SEK = ExchangeRate("fxrt_eur_sek", "EUR", "SEK", D("11.2345"), NOV_28, "ECB")
SWEDEN = tax_facts("NL", "SE", registrations=[("txrg_se", "SE")])


def local(entry: dict[str, Any]) -> tuple[str, str, str, str]:
    shown = entry["local_amounts"]
    return shown["base_amount"]["currency"], q(shown["base_amount"]), q(shown["tax_amount"]), q(shown["total_amount"])


def test_an_eur_invoice_taxed_in_sweden_shows_its_vat_in_sek() -> None:
    later = ExchangeRate("fxrt_eur_sek_dec", "EUR", "SEK", D("12"), datetime(2026, 12, 2, tzinfo=UTC), "ECB")  # after the period
    rated = rate([flat("100.00")], tax=SWEDEN, tax_rates=TABLE, exchange_rates=[later, EUR_SEK])
    summary = rated.derived.tax_summary
    assert (q(summary["base_amount"]), q(summary["tax_amount"]), q(summary["total_amount"])) == ("100.00", "25.00", "125.00")
    assert local(summary) == ("SEK", "1123.45", "280.86", "1404.31")
    assert summary["local_amounts"]["used_exchange_rate"] == {
        "currency": "SEK",
        "base_currency": "EUR",
        "rate_timestamp": "2026-11-28T00:00:00Z",
        "rate": "11.2345",
        "source": "ECB",
    }
    assert summary["local_amounts"]["display"] is True
    assert local(rated.derived.tax_categories[0]) == ("SEK", "1123.45", "280.86", "1404.31")
    assert rated.derived.tax_categories[0]["rates"] == [
        {"name": "Moms", "percentage": "25", "tax_amount": {"quantity": "25.00", "currency": "EUR"}}
    ]
    # Every level carries them: period, group and line.
    period = rated.derived.periods[0]
    assert (
        local(period["tax_categories"][0])
        == local(period["groups"][0]["tax_categories"][0])
        == local(lines_of(rated)[0]["tax_categories"][0])
    )
    assert rated.used_exchange_rates == []  # the local rate is not a conversion of a line
    assert rated.derived.validation_result == []


def test_a_usd_invoice_of_a_german_entity_to_a_german_customer_shows_its_vat_in_eur() -> None:
    usd_eur = ExchangeRate("fxrt_usd_eur", "USD", "EUR", D("0.9215"), NOV_28, "ECB")
    rated = rate([flat("200.00")], tax=tax_facts("DE", "DE"), plan_currency="USD", billing_currency="USD", exchange_rates=[usd_eur])
    summary = rated.derived.tax_summary
    assert (q(summary["base_amount"]), q(summary["tax_amount"]), q(summary["total_amount"])) == ("200.00", "38.00", "238.00")
    assert local(summary) == ("EUR", "184.30", "35.02", "219.32")
    assert local(rated.derived.tax_categories[0]) == ("EUR", "184.30", "35.02", "219.32")


def test_each_local_amount_is_converted_and_rounded_on_its_own() -> None:
    # 0.05 EUR at 25 %: tax round(0.0125) = 0.01, total 0.06. × 11.5: 0.575 → 0.58, 0.115 → 0.12, 0.69.
    # (0.58 + 0.12 = 0.70: the total is the converted total, not the sum of the converted parts.)
    rate_ = ExchangeRate("fxrt_1", "EUR", "SEK", D("11.5"), NOV_28, "ECB")
    rated = rate([flat("0.05")], tax=SWEDEN, tax_rates=TABLE, exchange_rates=[rate_])
    assert local(rated.derived.tax_summary) == ("SEK", "0.58", "0.12", "0.69")


def test_no_local_amounts_in_the_billing_currency_or_without_a_country_s_rates() -> None:
    assert rate([flat("100.00")]).derived.tax_summary["local_amounts"] is None  # NL, EUR
    reverse = rate([flat("100.00")], tax=tax_facts("NL", "SE"), tax_rates=TABLE, exchange_rates=[EUR_SEK])  # reverse charge
    assert reverse.derived.tax_summary["local_amounts"] is None
    assert reverse.derived.tax_categories[0]["rates"] == []
    sales_tax = rate([flat("100.00")], tax=tax_facts("US", "US", invoice_pct="5"))  # sales tax is not a country's rates
    assert sales_tax.derived.tax_summary["local_amounts"] is None


def test_a_missing_local_rate_is_a_blocking_error() -> None:
    rated = rate([flat("100.00")], tax=SWEDEN, tax_rates=TABLE)
    assert rated.derived.tax_summary["local_amounts"] is None
    assert rated.derived.validation_result == [
        {
            "status": "ERROR",
            "details": "No exchange rate from EUR to SEK at or before 2026-12-01T00:00:00Z; the tax amounts cannot be shown in SEK",
        }
    ]
    assert rated.derived.has_blocking_error


def test_each_period_converts_at_its_own_end_and_the_invoice_at_the_last() -> None:
    # November at 11.2345: 1123.45 / 280.86 / 1404.31; December (rate of Dec 20: 11.5) 1150.00 / 287.50 / 1437.50;
    # the invoice (200.00 / 50.00 / 250.00) at December's end: 2300.00 / 575.00 / 2875.00.
    dec_20 = ExchangeRate("fxrt_dec", "EUR", "SEK", D("11.5"), datetime(2026, 12, 20, tzinfo=UTC), "ECB")
    rated = rate(
        [flat("100.00")], periods=[PERIOD, InvoicePeriodInput(DEC_1, JAN_1)], tax=SWEDEN, tax_rates=TABLE, exchange_rates=[EUR_SEK, dec_20]
    )
    assert [local(p["tax_categories"][0]) for p in rated.derived.periods] == [
        ("SEK", "1123.45", "280.86", "1404.31"),
        ("SEK", "1150.00", "287.50", "1437.50"),
    ]
    assert local(rated.derived.tax_summary) == ("SEK", "2300.00", "575.00", "2875.00")


def test_the_country_currency_comes_from_the_iso_tables() -> None:
    assert [country_currency(c) for c in ("SE", "NL", "DE", "GB", "US", "CH", "PL", "JP", "BH")] == [
        "SEK", "EUR", "EUR", "GBP", "USD", "CHF", "PLN", "JPY", "BHD"
    ]  # fmt: skip
    assert country_currency("AQ") is None  # Antarctica has no currency of its own
    assert country_currency("PA") == "PAB"  # Panama: its own balboa before the US dollar it also uses


def test_country_names_are_matched_across_the_two_tables() -> None:
    # Accents (TÜRKİYE), a leading "the" and punctuation (KOREA (THE REPUBLIC OF)), a shortened name
    # (HOLY SEE (THE)), an apostrophe (CÔTE D'IVOIRE); funds codes are not currencies (CHE, USN, BOV);
    # one currency per country: its own (El Salvador: SVC, not USD), the first listed on a tie (UYU).
    expected = {"TR": "TRY", "KR": "KRW", "VA": "EUR", "CI": "XOF", "CH": "CHF", "US": "USD", "BO": "BOB", "SV": "SVC", "UY": "UYU"}
    _by_country.cache_clear()  # joined afresh here, not taken from an earlier test's cache
    assert {country: country_currency(country) for country in expected} == expected
    assert country_currency("XX") is None


def test_the_rates_a_stored_invoice_shows_are_read_back_from_every_level() -> None:
    def shown(currency: str, rate: str, at: str) -> dict[str, Any]:
        used = {"currency": currency, "base_currency": "EUR", "rate_timestamp": at, "rate": rate, "source": "ECB"}
        return {"local_amounts": {"used_exchange_rate": used}}

    invoice = {
        "tax_summary": shown("SEK", "11.5", "2026-12-20T00:00:00Z"),
        "tax_categories": [shown("SEK", "11.5", "2026-12-20T00:00:00Z"), {"local_amounts": None}],
        "periods": [{"tax_categories": [shown("SEK", "11.2345", "2026-11-28T00:00:00Z")]}, {"tax_categories": []}],
    }
    assert shown_rates(invoice) == (
        ExchangeRate("", "EUR", "SEK", D("11.2345"), NOV_28, "ECB"),
        ExchangeRate("", "EUR", "SEK", D("11.5"), datetime(2026, 12, 20, tzinfo=UTC), "ECB"),
    )
    assert shown_rates({}) == ()


def test_an_invoice_without_periods_shows_no_local_amounts_and_needs_no_rate() -> None:
    empty = recompute_derived([], DerivationInputs("EUR", "EXCLUDING_TAX", SWEDEN, tax_rate_table=TABLE))
    assert (empty.tax_summary["local_amounts"], empty.validation_result) == (None, [])


def test_periods_are_read_in_their_order() -> None:
    # Listed December first: period_order puts November (order 0, or no order at all) first.
    november = stored_periods(["1.00"])[0]
    december = {**stored_periods(["2.00"])[0], "period_order": 1, "start_at": "2026-12-01T00:00:00Z", "end_at": "2027-01-01T00:00:00Z"}
    for first in ({**november}, {k: v for k, v in november.items() if k != "period_order"}):
        derived = recompute_derived([december, first], DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), tax_rate_table=TABLE))
        assert [p["start_at"] for p in derived.periods] == ["2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"]


def test_names_are_compared_without_case_accents_punctuation_or_the_word_the() -> None:
    assert _words("TÜRKİYE") == "turkiye"
    assert _words("Korea (the Republic of)") == "korea republic of"
    assert _words("CÔTE D'IVOIRE") == "cote d ivoire"
    assert _words("Theland") == "theland"
    names = {
        "netherlands": "NL",
        "netherlands antilles": "AN",
        "holy see vatican city state": "VA",
        "korea republic of": "KR",
        "korea democratic": "KP",
    }
    assert _country_code("netherlands", names) == "NL"  # an exact name first
    assert _country_code("holy see", names) == "VA"  # else the one name that begins so
    assert _country_code("korea", names) is None  # two do: none
    assert _country_code("atlantis", names) is None
