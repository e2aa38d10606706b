"""The demo data set's invoices: every status and type, closed ones with amounts that add up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from invoicegraph.demo.finals import Line, closed_parts

ACME, INITECH = "plat_acme", "plat_initech"


def _invoice(**fields: Any) -> dict[str, Any]:
    base = {
        "billing_currency": "EUR",
        "type": "STANDARD",
        "pricing_amount_type": "EXCLUDING_TAX",
        "billing_period": {"type": "MONTH", "value": 1},
        "timezone": "Europe/Amsterdam",
    }
    return base | fields


def _closed(invoice: dict[str, Any], lines: list[Line], country: str, start: str, end: str) -> dict[str, Any]:
    explicit = invoice["type"] != "STANDARD"
    return invoice | closed_parts(
        lines, currency=invoice["billing_currency"], country=country, start_at=start, end_at=end, explicit=explicit
    )


OCT = ("2026-10-01T00:00:00Z", "2026-11-01T00:00:00Z")
NOV = ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
DEC = ("2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")


def invoices() -> list[dict[str, Any]]:
    nl21 = ("STANDARD", Decimal(21), "BTW hoog")
    return [
        # Globex (BE organization with a VAT id, NL entity): October FINAL (reverse charge) and paid.
        _closed(
            _invoice(
                id="invo_globex_2026_10",
                platform_id=ACME,
                customer_id="cust_globex",
                billing_entity_id="enti_nl",
                status="FINAL",
                invoice_number="ACME-2026-000101",
                invoice_date=OCT[1],
                due_date="2026-12-01T00:00:00Z",
                updated_to_final_at="2026-11-01T10:00:00Z",
                paid=True,
                pricing_plan_subscription_ids=["psub_globex"],
                notes=["VAT reverse charged"],
                payments=[
                    {
                        "id": "paym_globex_1",
                        "amount": {"quantity": "143.50", "currency": "EUR"},
                        "received_at": "2026-11-20T09:00:00Z",
                        "payment_acceptor_id": "paya_acme_bank",
                    }
                ],
            ),
            [
                Line("prod_base", "Base fee", Decimal("49.00"), "REVERSE_CHARGE", Decimal(0), "VAT reverse charged"),
                Line("prod_api", "API calls", Decimal("94.50"), "REVERSE_CHARGE", Decimal(0), "VAT reverse charged"),
            ],
            "BE",
            *OCT,
        ),
        # Globex November: DRAFT inputs, computed after import.
        _invoice(
            id="invo_globex_2026_11",
            platform_id=ACME,
            customer_id="cust_globex",
            billing_entity_id="enti_nl",
            status="DRAFT",
            invoice_date=NOV[1],
            due_date="2027-01-01T00:00:00Z",
            pricing_plan_subscription_ids=["psub_globex"],
            purchase_order_number="PO-7781",
            periods=[{"start_at": NOV[0], "end_at": NOV[1]}],
        ),
        # Globex December: OPEN (period still running).
        _invoice(
            id="invo_globex_2026_12",
            platform_id=ACME,
            customer_id="cust_globex",
            billing_entity_id="enti_nl",
            status="OPEN",
            invoice_date=DEC[1],
            pricing_plan_subscription_ids=["psub_globex"],
            periods=[{"start_at": DEC[0], "end_at": DEC[1]}],
            # Issued by the payment portal for the card acceptor (paid by link); a refresh keeps it
            # while the card is offered. Wayne's invoice gets its link from a redirect acceptor instead.
            pay_invoice_link={
                "expiry_period": {"type": "DAY", "value": 14},
                "portal_url_id": "porl_globex_2026_12",
                "url": "https://pay.acme.example/l/globex-2026-12",
            },
        ),
        # Hooli (NL organization): October FINAL at 21 %, partly paid.
        _closed(
            _invoice(
                id="invo_hooli_2026_10",
                platform_id=ACME,
                customer_id="cust_hooli",
                billing_entity_id="enti_nl",
                status="FINAL",
                invoice_number="ACME-2026-000102",
                invoice_date=OCT[1],
                due_date="2026-12-01T00:00:00Z",
                updated_to_final_at="2026-11-01T10:00:00Z",
                pricing_plan_subscription_ids=["psub_hooli"],
                payments=[
                    {"id": "paym_hooli_1", "amount": {"quantity": "50.00", "currency": "EUR"}, "received_at": "2026-11-15T12:00:00Z"}
                ],
            ),
            [Line("prod_seats", "Seats", Decimal("120.00"), *nl21), Line("prod_storage", "Storage", Decimal("15.00"), *nl21)],
            "NL",
            *OCT,
        ),
        # Hooli: a CREDIT invoice correcting part of October, FINAL.
        _closed(
            _invoice(
                id="invo_hooli_2026_10_cr",
                platform_id=ACME,
                customer_id="cust_hooli",
                billing_entity_id="enti_nl",
                type="CREDIT",
                status="FINAL",
                invoice_number="ACME-CR-2026-000001",
                invoice_date="2026-11-10T00:00:00Z",
                updated_to_final_at="2026-11-10T00:00:00Z",
                billing_period=None,
                credit={"original_invoice_id": "invo_hooli_2026_10", "note": "Storage billed twice"},
                linked_invoices=[
                    {
                        "id": "invo_hooli_2026_10",
                        "link_type": "CREDITED_INVOICE",
                        "invoice_number": "ACME-2026-000102",
                        "invoice_date": OCT[1],
                        "amount": {"quantity": "163.35", "currency": "EUR"},
                    }
                ],
            ),
            [Line("prod_storage", "Storage (credit)", Decimal("-15.00"), *nl21)],
            "NL",
            *OCT,
        ),
        # Jan de Vries (NL individual): November DRAFT; and a VOID invoice with its amounts.
        _invoice(
            id="invo_jan_2026_11",
            platform_id=ACME,
            customer_id="cust_jan",
            billing_entity_id="enti_nl",
            status="DRAFT",
            invoice_date=NOV[1],
            pricing_plan_subscription_ids=["psub_jan"],
            periods=[{"start_at": NOV[0], "end_at": NOV[1]}],
        ),
        _closed(
            _invoice(
                id="invo_jan_2026_10",
                platform_id=ACME,
                customer_id="cust_jan",
                billing_entity_id="enti_nl",
                status="VOID",
                invoice_date=OCT[1],
                pricing_plan_subscription_ids=["psub_jan"],
                notes=["Voided: subscription started by mistake"],
            ),
            [Line("prod_storage", "Storage", Decimal("9.99"), *nl21)],
            "NL",
            *OCT,
        ),
        # Umbrella (DE organization, DE entity): EMPTY October (nothing to charge, no number).
        _closed(
            _invoice(
                id="invo_umbrella_2026_10",
                platform_id=ACME,
                customer_id="cust_umbrella",
                billing_entity_id="enti_de",
                status="EMPTY",
                invoice_date=OCT[1],
                timezone="Europe/Berlin",
                pricing_plan_subscription_ids=["psub_umbrella"],
            ),
            [],
            "DE",
            *OCT,
        ),
        # Amélie (FR individual): a ONE_OFF FINAL (consulting) at FR 20 %, and its ONE_OFF_CREDIT in DRAFT.
        _closed(
            _invoice(
                id="invo_amelie_oneoff",
                platform_id=ACME,
                customer_id="cust_amelie",
                billing_entity_id="enti_nl",
                type="ONE_OFF",
                status="FINAL",
                invoice_number="ACME-2026-000103",
                invoice_date="2026-10-15T00:00:00Z",
                billing_period=None,
                updated_to_final_at="2026-10-15T00:00:00Z",
            ),
            [Line("prod_onboarding", "Onboarding workshop", Decimal("400.00"), "STANDARD", Decimal(20), "TVA")],
            "FR",
            "2026-10-15T00:00:00Z",
            "2026-10-16T00:00:00Z",
        ),
        _invoice(
            id="invo_amelie_oneoff_cr",
            platform_id=ACME,
            customer_id="cust_amelie",
            billing_entity_id="enti_nl",
            type="ONE_OFF_CREDIT",
            status="DRAFT",
            invoice_date="2026-11-02T00:00:00Z",
            billing_period=None,
            credit={"original_invoice_id": "invo_amelie_oneoff", "note": "Workshop shortened"},
            linked_invoices=[
                {
                    "id": "invo_amelie_oneoff",
                    "link_type": "CREDITED_INVOICE",
                    "invoice_number": "ACME-2026-000103",
                    "amount": {"quantity": "480.00", "currency": "EUR"},
                }
            ],
            periods=[
                {
                    "start_at": "2026-11-02T00:00:00Z",
                    "end_at": "2026-11-03T00:00:00Z",
                    "groups": [
                        {
                            "lines": [
                                {
                                    "description": "Workshop shortened by half a day",
                                    "product_id": "prod_onboarding",
                                    "amount": {"quantity": "-100.00", "currency": "EUR"},
                                }
                            ]
                        }
                    ],
                }
            ],
        ),
        # Stark (tax-exempt NL foundation): a ONE_OFF in DRAFT.
        _invoice(
            id="invo_stark_oneoff",
            platform_id=ACME,
            customer_id="cust_stark",
            billing_entity_id="enti_nl",
            type="ONE_OFF",
            status="DRAFT",
            invoice_date="2026-11-20T00:00:00Z",
            billing_period=None,
            periods=[
                {
                    "start_at": "2026-11-20T00:00:00Z",
                    "end_at": "2026-11-21T00:00:00Z",
                    "groups": [
                        {
                            "lines": [
                                {
                                    "description": "Data export",
                                    "product_id": "prod_onboarding",
                                    "amount": {"quantity": "250.00", "currency": "EUR"},
                                }
                            ]
                        }
                    ],
                }
            ],
        ),
        # Initech: Dunder (US organization, US entity) with sales tax, FINAL in USD.
        _closed(
            _invoice(
                id="invo_dunder_2026_10",
                platform_id=INITECH,
                customer_id="cust_dunder",
                billing_entity_id="enti_us",
                billing_currency="USD",
                status="FINAL",
                invoice_number="INI-2026-0001",
                invoice_date=OCT[1],
                due_date="2026-11-30T00:00:00Z",
                timezone="America/New_York",
                sales_tax_percentage="8.875",
                updated_to_final_at="2026-11-01T15:00:00Z",
                pricing_plan_subscription_ids=["psub_dunder"],
            ),
            [
                Line("prod_i_platform", "Platform fee", Decimal("199.00"), "SALES_TAX", Decimal("8.875"), "Sales tax"),
                Line("prod_i_events", "Events", Decimal("37.25"), "SALES_TAX", Decimal("8.875"), "Sales tax"),
            ],
            "US",
            *OCT,
        ),
        _invoice(
            id="invo_dunder_2026_11",
            platform_id=INITECH,
            customer_id="cust_dunder",
            billing_entity_id="enti_us",
            billing_currency="USD",
            status="DRAFT",
            invoice_date=NOV[1],
            timezone="America/New_York",
            sales_tax_percentage="8.875",
            pricing_plan_subscription_ids=["psub_dunder"],
            periods=[{"start_at": NOV[0], "end_at": NOV[1]}],
        ),
        # Initech: Wayne (GB organization, GB entity) in GBP at 20 %, FINAL and paid; November OPEN.
        _closed(
            _invoice(
                id="invo_wayne_2026_10",
                platform_id=INITECH,
                customer_id="cust_wayne",
                billing_entity_id="enti_gb",
                billing_currency="GBP",
                status="FINAL",
                invoice_number="INI-2026-0002",
                invoice_date=OCT[1],
                timezone="Europe/London",
                paid=True,
                updated_to_final_at="2026-11-01T09:00:00Z",
                pricing_plan_subscription_ids=["psub_wayne"],
                payments=[{"id": "paym_wayne_1", "amount": "120.00", "received_at": "2026-11-05T00:00:00Z"}],
            ),
            [Line("prod_i_platform", "Platform fee", Decimal("100.00"), "STANDARD", Decimal(20), "VAT")],
            "GB",
            *OCT,
        ),
        _invoice(
            id="invo_wayne_2026_11",
            platform_id=INITECH,
            customer_id="cust_wayne",
            billing_entity_id="enti_gb",
            billing_currency="GBP",
            status="OPEN",
            invoice_date=NOV[1],
            timezone="Europe/London",
            pricing_plan_subscription_ids=["psub_wayne"],
            periods=[{"start_at": NOV[0], "end_at": NOV[1]}],
        ),
    ]
