"""Plain fields resolve from the stored rows: nested values, enums, decimals, instants, dates, empty lists."""

from __future__ import annotations

import enum

import strawberry

from invoicegraph.schema import enums
from invoicegraph.schema.enums.invoice import InvoiceOrderField, OrderDirection
from invoicegraph.schema.inputs import InvoiceFilter, InvoiceOrder
from tests.support.api import Api
from tests.support.data import INVOICE_ID
from tests.unit.schema.support import FINAL_ID

INVOICE_QUERY = """
query ($id: ID!) {
  invoice(id: $id) {
    id version objectType status type onHold paid billingCurrency salesTaxPercentage
    invoiceDate billingPeriodDate dueDate
    invoiceAmountIncludingTax { quantity currency }
    billingPeriod { type value }
    customerDetails { legalName type address { line1 country } taxIds { id } }
    periods {
      periodOrder startAt
      groups { groupOrder lines { id amountExcludingTax { quantity } meterValue { reference number }
        details { amount { quantity } meterValues { count } reportMeterValues { count } } subLines { subLineOrder } } }
    }
    notes dunningActions { status } autoRescues { status } eInvoices { processor }
    linkedInvoicesIds toBeReprocessed toBeReprocessedAt
    paymentActions { type bankAccount { iban } }
    pricingAmountType billingType paymentStatus hasUsageBasedPricing
  }
}
"""


async def _invoice(api: Api, invoice_id: str) -> dict[str, object]:
    body = await api.graphql(INVOICE_QUERY, {"id": invoice_id})
    assert "errors" not in body, body["errors"]
    invoice: dict[str, object] = body["data"]["invoice"]
    return invoice


async def test_nested_plain_fields_resolve_from_the_stored_invoice(api: Api) -> None:
    data = await _invoice(api, FINAL_ID)

    assert data["objectType"] == "INVOICE"
    assert (data["status"], data["type"], data["onHold"], data["paid"]) == ("FINAL", "STANDARD", False, False)
    assert data["salesTaxPercentage"] == "21.00"  # a decimal keeps the scale it was given
    assert data["invoiceAmountIncludingTax"] == {"quantity": "114.35", "currency": "EUR"}
    assert data["billingPeriod"] == {"type": "MONTH", "value": 1}
    assert data["invoiceDate"] == "2026-11-01T00:00:00Z"  # imported as 01:00+01:00, shown in UTC
    assert data["billingPeriodDate"] == "2026-10-01"
    assert data["dueDate"] is None
    assert data["customerDetails"] == {  # copied from the customer at import
        "legalName": "Globex BV",
        "type": "ORGANIZATION",
        "address": {"line1": "Rue Neuve 1", "country": "BE"},
        "taxIds": [],
    }
    (period,) = data["periods"]  # type: ignore[misc]
    assert (period["periodOrder"], period["startAt"]) == (0, "2026-10-01T00:00:00Z")
    line = period["groups"][0]["lines"][0]
    assert line["id"] == "line_0_0_0"  # the id given to a line imported without one
    assert line["amountExcludingTax"] == {"quantity": "94.50"}
    assert line["meterValue"] == {"reference": "calls", "number": "9450"}
    assert data["paymentActions"] == [{"type": "BANK_ACCOUNT", "bankAccount": {"iban": "NL91ABNA0417164300"}}]
    assert (data["pricingAmountType"], data["billingType"], data["paymentStatus"]) == ("EXCLUDING_TAX", "DEFAULT", "UNPAID")


async def test_lists_absent_from_the_stored_invoice_are_empty(api: Api) -> None:
    data = await _invoice(api, FINAL_ID)

    assert data["dunningActions"] == data["autoRescues"] == data["eInvoices"] == []
    line = data["periods"][0]["groups"][0]["lines"][0]  # type: ignore[index]
    assert (line["details"], line["subLines"]) == (None, [])
    assert data["notes"] == ["Thank you"]


async def test_derived_fields_are_computed_from_their_source(api: Api) -> None:
    final = await _invoice(api, FINAL_ID)
    draft = await _invoice(api, INVOICE_ID)

    # linkedInvoicesIds from linkedInvoices, toBeReprocessed* from reprocess (read-only in the import format)
    assert (final["linkedInvoicesIds"], final["toBeReprocessed"], final["toBeReprocessedAt"]) == (
        [INVOICE_ID],
        True,
        "2026-11-05T00:00:00Z",
    )
    assert (draft["linkedInvoicesIds"], draft["toBeReprocessed"], draft["toBeReprocessedAt"]) == ([], False, None)


async def test_the_computed_draft_reads_like_the_stored_invoice(api: Api) -> None:
    # The billing engine's rows (the draft, computed at import) go through the same plain fields.
    data = await _invoice(api, INVOICE_ID)

    assert (data["status"], data["hasUsageBasedPricing"]) == ("DRAFT", True)
    # 1250 calls: 100 x 0.10 + 900 x 0.08 + 250 x 0.05 = 94.50, 20 % off (the coupon on API calls) = 75.60,
    # plus the 49.00 base fee = 124.60; no VAT: a Belgian business with a VAT id, billed from NL (reverse charge)
    assert data["invoiceAmountIncludingTax"] == {"quantity": "124.60", "currency": "EUR"}
    lines = [line for group in data["periods"][0]["groups"] for line in group["lines"]]  # type: ignore[index]
    assert {line["amountExcludingTax"]["quantity"] for line in lines} >= {"49.00", "94.50"}


async def test_an_unknown_id_is_null(api: Api) -> None:
    body = await api.graphql('{ invoice(id: "invo_x") { id } }')

    assert body == {"data": {"invoice": None}, "_status": 200, "_headers": body["_headers"]}


def test_enums_have_values_equal_to_their_names() -> None:
    for module in enums.ALL_MODULES:
        for candidate in vars(module).values():
            if isinstance(candidate, type) and issubclass(candidate, enum.Enum) and candidate is not enum.Enum:
                assert all(member.value == member.name for member in candidate), candidate


def test_unset_input_fields_are_none() -> None:
    assert InvoiceOrder(field=InvoiceOrderField.DUE_DATE).direction is OrderDirection.DESC
    assert InvoiceFilter().statuses is None
    assert strawberry.UNSET is not None
