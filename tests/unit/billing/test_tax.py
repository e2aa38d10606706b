"""Tax treatment and amounts: docs/billing-decisions.md worked examples and every decision branch."""

from datetime import UTC, datetime
from decimal import Decimal as D

from invoicegraph.billing import DerivationInputs, DerivedInvoice, recompute_derived
from invoicegraph.billing.inputs import StoredTaxRate, TaxFacts, TaxIdFact, TaxRate
from invoicegraph.billing.treatment import EU_MEMBER_STATES, decide, lookup_rate

from .factories import RATE_TABLE, derive, flat, q, rate, stored_periods, tax_facts


def summary(invoice: object) -> tuple[str, str, str]:
    s = invoice.tax_summary  # type: ignore[attr-defined]
    return q(s["base_amount"]), q(s["tax_amount"]), q(s["total_amount"])


# --- worked examples (EUR, EXCLUDING_TAX, one STANDARD line of 100.00; NL 21, DE 19) ---


def test_nl_entity_nl_organization_is_taxed_at_21() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", "NL"))
    assert summary(invoice) == ("100.00", "21.00", "121.00")
    assert invoice.tax_categories[0]["category"] == "STANDARD"
    assert invoice.tax_categories[0]["percentage"] == "21"
    assert invoice.tax_summary["country_code"] == "NL"


def test_nl_entity_de_organization_with_tax_id_is_reverse_charged() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", "DE"))
    assert summary(invoice) == ("100.00", "0.00", "100.00")
    entry = invoice.tax_categories[0]
    assert (entry["category"], entry["percentage"], entry["notes"]) == ("REVERSE_CHARGE", "0", ["VAT reverse charged"])
    assert invoice.tax_summary["notes"] == ["VAT reverse charged"]


def test_nl_entity_de_individual_pays_german_vat() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", "DE", kind="INDIVIDUAL", tax_ids=()))
    assert summary(invoice) == ("100.00", "19.00", "119.00")
    assert invoice.tax_summary["country_code"] == "DE"


def test_nl_entity_us_organization_is_outside_scope() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", "US"))
    assert summary(invoice) == ("100.00", "0.00", "100.00")
    assert invoice.tax_categories[0]["category"] == "OUTSIDE_SCOPE"


def test_including_tax_gross_121_is_net_100_and_tax_21() -> None:
    invoice = derive(["121.00"], pricing_amount_type="INCLUDING_TAX")
    assert summary(invoice) == ("100.00", "21.00", "121.00")
    line = invoice.periods[0]["groups"][0]["lines"][0]
    assert (q(line["amount_excluding_tax"]), q(line["amount_including_tax"])) == ("100.00", "121.00")


def test_three_lines_of_five_cents_worked_example() -> None:
    invoice = derive(["0.05", "0.05", "0.05"])
    assert summary(invoice) == ("0.15", "0.03", "0.18")
    lines = invoice.periods[0]["groups"][0]["lines"]
    assert [q(line["tax_categories"][0]["tax_amount"]) for line in lines] == ["0.01", "0.01", "0.01"]
    assert [q(line["amount_including_tax"]) for line in lines] == ["0.06", "0.06", "0.06"]


def test_group_tax_is_rounded_once_and_lines_add_up_exactly() -> None:
    invoice = derive(["0.05", "0.05", "0.05", "0.05"])  # 0.20 * 21% = 0.042 -> 0.04
    lines = invoice.periods[0]["groups"][0]["lines"]
    assert q(invoice.tax_summary["tax_amount"]) == "0.04"
    assert sorted(q(line["tax_categories"][0]["tax_amount"]) for line in lines) == ["0.01", "0.01", "0.01", "0.01"]


# --- decision branches, in the order of the tax decision ---


def test_1_tax_exempt_customer_wins_over_everything() -> None:
    invoice = derive(["100.00"], tax=tax_facts("US", "US", exempt=True))
    entry = invoice.tax_categories[0]
    assert (entry["category"], entry["percentage"], entry["notes"]) == ("EXEMPT", "0", ["Customer is tax exempt"])
    assert invoice.validation_result == []  # no sales tax percentage needed


def test_2_us_to_us_uses_the_invoice_sales_tax_percentage_else_the_subscription() -> None:
    invoice = derive(["100.00"], tax=tax_facts("US", "US", invoice_pct="8.875", subscription_pct="5"))
    assert summary(invoice) == ("100.00", "8.88", "108.88")
    assert invoice.tax_categories[0]["category"] == "SALES_TAX"
    fallback = derive(["100.00"], tax=tax_facts("US", "US", subscription_pct="5"))
    assert summary(fallback) == ("100.00", "5.00", "105.00")


def test_2_us_to_us_without_percentage_is_a_blocking_error_at_zero() -> None:
    invoice = derive(["100.00"], tax=tax_facts("US", "US"))
    assert summary(invoice) == ("100.00", "0.00", "100.00")
    assert [e["status"] for e in invoice.validation_result] == ["ERROR"]
    assert "sales_tax_percentage" in invoice.validation_result[0]["details"]
    assert invoice.has_blocking_error


def test_us_entity_selling_abroad_is_outside_scope() -> None:
    invoice = derive(["100.00"], tax=tax_facts("US", "CA"))
    assert invoice.tax_categories[0]["category"] == "OUTSIDE_SCOPE"
    assert invoice.validation_result == []


def test_3a_registration_in_the_customer_country_makes_the_sale_domestic_there() -> None:
    facts = tax_facts("NL", "DE", registrations=[("txrg_de", "DE")])  # an organization with a tax id
    decision = decide(facts)
    assert (decision.kind, decision.country, decision.used_tax_registration_id) == ("COUNTRY_RATES", "DE", "txrg_de")
    invoice = derive(["100.00"], tax=facts)
    assert summary(invoice) == ("100.00", "19.00", "119.00")
    assert invoice.used_tax_registration_id == "txrg_de"


def test_3a_applies_to_a_registration_outside_the_eu_too() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", "GB", registrations=[("txrg_gb", "GB")]))
    assert summary(invoice) == ("100.00", "20.00", "120.00")


def test_3b_customer_in_the_entity_country() -> None:
    assert decide(tax_facts("DE", "DE")).country == "DE"
    assert summary(derive(["100.00"], tax=tax_facts("DE", "DE", kind="INDIVIDUAL"))) == ("100.00", "19.00", "119.00")


def test_3c_only_organizations_with_a_usable_tax_id_are_reverse_charged() -> None:
    assert decide(tax_facts("NL", "BE")).kind == "REVERSE_CHARGE"
    assert decide(tax_facts("NL", "BE", tax_ids=())).kind == "COUNTRY_RATES"
    not_valid = tax_facts("NL", "BE", tax_ids=[TaxIdFact("BE0123", "NOT_VALID")])
    decision = decide(not_valid)
    assert (decision.kind, decision.country) == ("COUNTRY_RATES", "BE")
    assert decision.validation == (
        {"status": "WARNING", "details": "Customer tax id BE0123 is marked not valid; it is not used for reverse charge"},
    )


def test_3d_other_eu_customer_without_tax_id_pays_the_customer_country_rate() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", "BE", kind="INDIVIDUAL", tax_ids=()))
    assert summary(invoice) == ("100.00", "21.00", "121.00")
    assert invoice.tax_categories[0]["name"] == "TVA/BTW"


def test_3e_customer_outside_the_eu_is_outside_scope() -> None:
    assert decide(tax_facts("DE", "CH")).kind == "OUTSIDE_SCOPE"


def test_4_non_eu_entity_same_country_uses_its_rates_else_outside_scope() -> None:
    assert summary(derive(["100.00"], tax=tax_facts("GB", "GB"))) == ("100.00", "20.00", "120.00")
    assert decide(tax_facts("GB", "NL")).kind == "OUTSIDE_SCOPE"


def test_customer_without_country_is_treated_as_in_the_entity_country_with_a_warning() -> None:
    invoice = derive(["100.00"], tax=tax_facts("NL", None))
    assert summary(invoice) == ("100.00", "21.00", "121.00")
    assert invoice.validation_result == [
        {"status": "WARNING", "details": "Customer has no address country; the billing entity's country NL is used"}
    ]
    assert not invoice.has_blocking_error


def test_eu_list_is_the_27_member_states() -> None:
    assert len(EU_MEMBER_STATES) == 27
    assert {"GR", "HR", "CY"} <= EU_MEMBER_STATES
    assert not {"GB", "CH", "NO", "EL"} & EU_MEMBER_STATES


# --- rates: lookup, categories, stored vs re-looked-up ---


def test_zero_and_exempt_lines_are_zero_without_lookup_and_missing_rate_is_an_error() -> None:
    invoice = derive(
        ["100.00", "50.00", "10.00", "5.00"],
        tax=tax_facts("NL", "FR", kind="INDIVIDUAL"),
        categories=["ZERO", "EXEMPT", "NO_TAX", "STANDARD"],
    )
    categories = [(e["category"], e["percentage"], q(e["base_amount"])) for e in invoice.tax_categories]
    assert categories == [("STANDARD", "0", "5.00"), ("ZERO", "0", "110.00"), ("EXEMPT", "0", "50.00")]
    assert [e["status"] for e in invoice.validation_result] == ["ERROR"]
    assert "No STANDARD tax rate for FR" in invoice.validation_result[0]["details"]


def test_reduced_category_uses_the_reduced_rate() -> None:
    invoice = derive(["100.00", "100.00"], categories=["STANDARD", "REDUCED"])
    assert [(e["category"], q(e["tax_amount"])) for e in invoice.tax_categories] == [("STANDARD", "21.00"), ("REDUCED", "9.00")]
    assert [r["category"] for r in invoice.tax_rates] == ["REDUCED", "STANDARD"]


def test_rate_lookup_honours_validity_at_the_period_end() -> None:
    table = (
        TaxRate("old", "NL", "STANDARD", D("19"), "BTW", datetime(2001, 1, 1, tzinfo=UTC), datetime(2012, 10, 1, tzinfo=UTC)),
        TaxRate("new", "NL", "STANDARD", D("21"), "BTW", datetime(2012, 10, 1, tzinfo=UTC)),
    )
    assert lookup_rate(table, "NL", "STANDARD", datetime(2012, 9, 30, tzinfo=UTC)).id == "old"  # type: ignore[union-attr]
    assert lookup_rate(table, "NL", "STANDARD", datetime(2012, 10, 1, tzinfo=UTC)).id == "new"  # type: ignore[union-attr]
    assert lookup_rate(table, "NL", "STANDARD", datetime(2000, 1, 1, tzinfo=UTC)) is None


def test_stored_rates_are_kept_unless_tax_rates_are_re_looked_up() -> None:
    stored = (StoredTaxRate("STANDARD", "NL", D("20"), "BTW (old)", "txrt_old"),)

    def run(relookup: bool) -> str:
        invoice = recompute_derived(
            stored_periods(["100.00"]),
            DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), stored, RATE_TABLE, relookup_tax_rates=relookup),
        )
        return q(invoice.tax_summary["tax_amount"])

    assert run(False) == "20.00"
    assert run(True) == "21.00"


def test_a_rate_not_stored_yet_is_looked_up_even_without_a_tax_rates_refresh() -> None:
    stored = (StoredTaxRate("STANDARD", "NL", D("21"), "BTW", "txrt_nl_std"),)
    invoice = recompute_derived(
        stored_periods(["100.00"]),
        DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts("NL", "DE", kind="INDIVIDUAL"), stored, RATE_TABLE),
    )
    assert q(invoice.tax_summary["tax_amount"]) == "19.00"
    assert invoice.tax_rates == [
        {
            "category": "STANDARD",
            "country": "DE",
            "percentage": "19",
            "name": "MwSt",
            "tax_rate_id": "txrt_de_std",
            "period_end_at": "2026-12-01T00:00:00Z",
            "source": "TABLE",
        }
    ]


def test_moving_the_customer_changes_the_treatment_without_re_rating() -> None:
    rated = rate([flat("100.00")])
    assert q(rated.derived.tax_summary["tax_amount"]) == "21.00"
    moved = recompute_derived(
        rated.derived.periods, DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts("NL", "DE"), tax_rate_table=RATE_TABLE)
    )
    assert q(moved.tax_summary["tax_amount"]) == "0.00"
    assert moved.tax_categories[0]["category"] == "REVERSE_CHARGE"


def test_including_tax_distributes_tax_over_lines_by_remainder() -> None:
    invoice = derive(["0.10", "0.10", "0.10"], pricing_amount_type="INCLUDING_TAX")
    # 0.30 / 1.21 = 0.2479 -> net 0.25, tax 0.05
    assert summary(invoice) == ("0.25", "0.05", "0.30")
    lines = invoice.periods[0]["groups"][0]["lines"]
    assert sum(D(q(line["amount_excluding_tax"])) for line in lines) == D("0.25")
    assert all(q(line["amount_including_tax"]) == "0.10" for line in lines)


def test_a_group_discounted_to_nothing_gets_no_rounding_unit_of_tax() -> None:
    """Found by the property test: invoice-wide largest remainder once gave a group whose lines sum
    to zero a cent of tax, so its net went to -0.01. The tax now goes to groups first, then lines."""
    from decimal import Decimal

    from invoicegraph.billing.tax import INCLUDING_TAX, tax_lines
    from invoicegraph.billing.treatment import Treatment

    vat = Treatment("STANDARD", Decimal(21), "VAT")
    # Group A: 21.00 gross fully discounted (5.30 + 15.70). Group B: three small lines.
    sources = [Decimal("21.00"), Decimal("-5.30"), Decimal("-15.70"), Decimal("0.25"), Decimal("0.18"), Decimal("0.07")]
    buckets = ["A", "A", "A", "B", "B", "B"]
    lines = tax_lines(sources, [vat] * 6, INCLUDING_TAX, "EUR", buckets)
    flat = tax_lines(sources, [vat] * 6, INCLUDING_TAX, "EUR")  # the old, invoice-wide distribution
    assert sum(line.net for line in flat[:3]) == Decimal("-0.01")
    group_a = lines[:3]
    assert sum(line.gross for line in group_a) == Decimal("0.00")
    assert sum(line.tax for line in group_a) == Decimal("0.00")
    assert sum(line.net for line in group_a) == Decimal("0.00")
    # The tax group's total is the same either way.
    assert sum(line.tax for line in lines) == sum(line.tax for line in flat)


def test_a_rate_stored_per_period_is_kept_for_its_period_and_one_without_a_period_for_all() -> None:
    two = [
        *stored_periods(["100.00"]),
        {**stored_periods(["100.00"])[0], "period_order": 1, "start_at": "2026-12-01T00:00:00Z", "end_at": "2027-01-01T00:00:00Z"},
    ]
    nov, dec = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    per_period = (
        StoredTaxRate("STANDARD", "NL", D("20"), "BTW 20", "txrt_a", nov, "TABLE"),
        StoredTaxRate("STANDARD", "NL", D("22"), "BTW 22", "txrt_b", dec, "TABLE"),
    )
    invoice = recompute_derived(two, DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), per_period, RATE_TABLE))
    assert [q(p["tax_categories"][0]["tax_amount"]) for p in invoice.periods] == ["20.00", "22.00"]
    # Stored before rates were kept per period: it stands for both periods, and is now stored for each.
    legacy = (StoredTaxRate("STANDARD", "NL", D("20"), "BTW (old)", "txrt_old"),)
    kept = recompute_derived(two, DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), legacy, RATE_TABLE))
    assert [q(p["tax_categories"][0]["tax_amount"]) for p in kept.periods] == ["20.00", "20.00"]
    assert kept.tax_rates == [
        {
            "category": "STANDARD",
            "country": "NL",
            "percentage": "20",
            "name": "BTW (old)",
            "tax_rate_id": "txrt_old",
            "period_end_at": end,
            "source": "TABLE",
        }
        for end in ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")
    ]
    # A sales tax entry is not a country's rate, even for the same category name.
    other = (StoredTaxRate("STANDARD", "NL", D("5"), "Sales tax", None, None, "SUBSCRIPTION"),)
    looked_up = recompute_derived(stored_periods(["100.00"]), DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), other, RATE_TABLE))
    assert q(looked_up.tax_summary["tax_amount"]) == "21.00"


def test_the_sales_tax_rate_is_stored_with_where_it_came_from() -> None:
    def run(facts: TaxFacts, stored: tuple[StoredTaxRate, ...] = (), relookup: bool = False) -> DerivedInvoice:
        return recompute_derived(
            stored_periods(["100.00"]), DerivationInputs("USD", "EXCLUDING_TAX", facts, stored, RATE_TABLE, relookup_tax_rates=relookup)
        )

    from_subscription = run(tax_facts("US", "US", subscription_pct="6"))
    assert from_subscription.tax_rates == [
        {
            "category": "SALES_TAX",
            "country": "US",
            "percentage": "6",
            "name": "Sales tax",
            "tax_rate_id": None,
            "period_end_at": None,
            "source": "SUBSCRIPTION",
        }
    ]
    stored = (StoredTaxRate("SALES_TAX", "US", D("8.875"), "Sales tax", None, None, "SUBSCRIPTION"),)
    assert q(run(tax_facts("US", "US", subscription_pct="6"), stored).tax_summary["tax_amount"]) == "8.88"
    assert q(run(tax_facts("US", "US", subscription_pct="6"), stored, relookup=True).tax_summary["tax_amount"]) == "6.00"
    own = run(tax_facts("US", "US", invoice_pct="7", subscription_pct="6"), stored)
    assert q(own.tax_summary["tax_amount"]) == "7.00"
    assert own.tax_rates[0]["source"] == "INVOICE"
    assert own.sales_tax == StoredTaxRate("SALES_TAX", "US", D("7"), "Sales tax", None, None, "INVOICE")
    # A stored entry of the invoice's own percentage is not kept in place of the subscription's.
    mine = (StoredTaxRate("SALES_TAX", "US", D("7"), "Sales tax", None, None, "INVOICE"),)
    assert q(run(tax_facts("US", "US", subscription_pct="6"), mine).tax_summary["tax_amount"]) == "6.00"
    missing = run(tax_facts("US", "US"))
    assert missing.validation_result == [
        {
            "status": "ERROR",
            "details": "Sales tax percentage is missing: the billing entity and the customer are both in US; "
            "set sales_tax_percentage on the invoice or its first subscription",
        }
    ]
    assert missing.tax_categories[0]["rates"] == []


def test_whole_invoice_treatments_are_named() -> None:
    names = {
        "EXEMPT": derive(["100.00"], tax=tax_facts("NL", "NL", exempt=True)),
        "REVERSE_CHARGE": derive(["100.00"], tax=tax_facts("NL", "DE")),
        "OUTSIDE_SCOPE": derive(["100.00"], tax=tax_facts("NL", "US")),
    }
    assert {kind: invoice.tax_categories[0]["name"] for kind, invoice in names.items()} == {
        "EXEMPT": "Tax exempt",
        "REVERSE_CHARGE": "Reverse charge",
        "OUTSIDE_SCOPE": "Outside scope",
    }


def test_overlapping_rates_prefer_the_latest_start_then_the_greatest_id() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    open_start = TaxRate("txrt_z", "NL", "STANDARD", D("19"), "BTW", None)
    started = TaxRate("txrt_a", "NL", "STANDARD", D("21"), "BTW", datetime(2012, 10, 1, tzinfo=UTC))
    later = TaxRate("txrt_b", "NL", "STANDARD", D("22"), "BTW", datetime(2020, 1, 1, tzinfo=UTC))
    same_start = TaxRate("txrt_c", "NL", "STANDARD", D("23"), "BTW", datetime(2020, 1, 1, tzinfo=UTC))
    assert lookup_rate((open_start, started), "NL", "STANDARD", at) == started
    assert lookup_rate((started, open_start), "NL", "STANDARD", at) == started
    assert lookup_rate((later, started, open_start), "NL", "STANDARD", at) == later
    assert lookup_rate((same_start, later), "NL", "STANDARD", at) == same_start
    assert lookup_rate((later, same_start), "NL", "STANDARD", at) == same_start
    assert lookup_rate((open_start,), "NL", "REDUCED", at) is None


def test_a_stored_line_without_category_takes_its_product_s_else_standard() -> None:
    periods = stored_periods(["100.00", "100.00", "100.00"], categories=["", "REDUCED", ""])
    periods[0]["groups"][0]["lines"][2]["product_id"] = None
    invoice = recompute_derived(
        periods,
        DerivationInputs("EUR", "EXCLUDING_TAX", tax_facts(), tax_rate_table=RATE_TABLE, product_tax_categories={"prod_std": "REDUCED"}),
    )
    lines = invoice.periods[0]["groups"][0]["lines"]
    assert [line["tax_categories"][0]["category"] for line in lines] == ["REDUCED", "REDUCED", "STANDARD"]


def test_the_latest_start_wins_whatever_the_ids_say() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    later = TaxRate("txrt_a", "NL", "STANDARD", D("22"), "BTW", datetime(2020, 1, 1, tzinfo=UTC))
    earlier = TaxRate("txrt_z", "NL", "STANDARD", D("21"), "BTW", datetime(2012, 10, 1, tzinfo=UTC))
    assert lookup_rate((earlier, later), "NL", "STANDARD", at) == later


def test_every_distinct_finding_is_kept_errors_first() -> None:
    # A missing rate (ERROR) and a tax id marked not valid (WARNING), each once, the error first.
    invoice = derive(["100.00", "5.00"], tax=tax_facts("NL", "FR", kind="INDIVIDUAL", tax_ids=[TaxIdFact("FR1", "NOT_VALID")]))
    assert [entry["status"] for entry in invoice.validation_result] == ["ERROR", "WARNING"]
