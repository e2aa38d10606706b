"""Plain fields resolve from dict rows: nested values, enums as strings, decimals, dates, empty lists."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import strawberry

from invoicegraph.schema.build import BillingSchema
from invoicegraph.schema.enums.invoice import InvoiceOrderField, InvoiceStatus, OrderDirection
from invoicegraph.schema.inputs import InvoiceFilter, InvoiceOrder
from tests.unit.schema.support import install, invoice_row, make_context

INVOICE_QUERY = """
query ($id: ID!) {
  invoice(id: $id) {
    id version objectType status type onHold paid billingCurrency salesTaxPercentage
    createdAt invoiceDate billingPeriodDate dueDate
    invoiceAmountIncludingTax { quantity currency }
    billingPeriod { type value }
    customerDetails { legalName type address { line1 country } taxIds { number } copiedAt }
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


@pytest.fixture
def invoice(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    row = invoice_row()

    async def resolve_invoice(info: Any, id: str) -> dict[str, Any] | None:
        return row if id == row["id"] else None

    install(monkeypatch, "invoicegraph.resolvers.invoices", resolve_invoice=resolve_invoice)
    return row


async def test_nested_plain_fields_resolve_from_the_dict(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    result = await schema.execute(INVOICE_QUERY, {"id": "inv_1"}, context_value=make_context())

    assert result.errors is None
    data = result.data["invoice"]  # type: ignore[index]
    assert data["objectType"] == "INVOICE"
    assert data["status"] == "DRAFT"
    assert data["salesTaxPercentage"] == "8.875"
    assert data["invoiceAmountIncludingTax"] == {"quantity": "114.35", "currency": "EUR"}
    assert data["billingPeriod"] == {"type": "MONTH", "value": 1}
    assert data["billingPeriodDate"] == "2024-03-01"
    assert data["dueDate"] is None
    assert data["customerDetails"]["address"] == {"line1": "Main 1", "country": "NL"}
    line = data["periods"][0]["groups"][0]["lines"][0]
    assert line["amountExcludingTax"] == {"quantity": "94.50"}
    assert line["meterValue"] == {"reference": "api_calls", "number": "9450"}
    assert line["details"]["amount"] == {"quantity": "94.500000000000"}
    assert (data["pricingAmountType"], data["billingType"], data["paymentStatus"]) == ("EXCLUDING_TAX", "DEFAULT", "UNPAID")


async def test_non_null_lists_missing_or_null_in_the_dict_are_empty(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    # Given a row without dunning_actions / auto_rescues / e_invoices keys and a null list deeper down
    result = await schema.execute(INVOICE_QUERY, {"id": "inv_1"}, context_value=make_context())

    assert result.errors is None
    data = result.data["invoice"]  # type: ignore[index]
    assert data["dunningActions"] == data["autoRescues"] == data["eInvoices"] == []
    assert data["periods"][0]["groups"][0]["lines"][0]["details"]["meterValues"] == []
    assert data["notes"] == ["Thank you"]


async def test_deprecated_derived_fields_fall_back_to_their_source(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    result = await schema.execute(INVOICE_QUERY, {"id": "inv_1"}, context_value=make_context())

    data = result.data["invoice"]  # type: ignore[index]
    assert data["linkedInvoicesIds"] == ["inv_0", "inv_elsewhere"]
    assert data["toBeReprocessed"] is True
    assert data["toBeReprocessedAt"] == "2024-03-05T00:00:00Z"


async def test_given_derived_values_win(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    invoice.update(linked_invoices_ids=[], to_be_reprocessed=False, to_be_reprocessed_at=None)

    result = await schema.execute(INVOICE_QUERY, {"id": "inv_1"}, context_value=make_context())

    data = result.data["invoice"]  # type: ignore[index]
    assert (data["linkedInvoicesIds"], data["toBeReprocessed"], data["toBeReprocessedAt"]) == ([], False, None)


async def test_python_values_in_the_dict_are_formatted(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    invoice.update(
        sales_tax_percentage=Decimal("21.00"),
        created_at=datetime(2024, 3, 1, 1, 30, 15, 999, tzinfo=UTC),
        billing_period_date=date(2024, 3, 1),
        status=InvoiceStatus.OPEN,
    )

    result = await schema.execute(INVOICE_QUERY, {"id": "inv_1"}, context_value=make_context())

    assert result.errors is None
    data = result.data["invoice"]  # type: ignore[index]
    assert data["salesTaxPercentage"] == "21.00"
    assert data["createdAt"] == "2024-03-01T01:30:15Z"
    assert data["billingPeriodDate"] == "2024-03-01"
    assert data["status"] == "OPEN"


async def test_an_unknown_enum_string_is_an_error_not_a_silent_value(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    invoice["status"] = "ARCHIVED"

    result = await schema.execute('{ invoice(id: "inv_1") { id status } }', context_value=make_context())

    assert result.errors is not None
    assert "status" in str(result.errors[0].path)


async def test_unknown_id_is_null(schema: BillingSchema, invoice: dict[str, Any]) -> None:
    result = await schema.execute('{ invoice(id: "inv_x") { id } }', context_value=make_context())

    assert result.errors is None
    assert result.data == {"invoice": None}


def test_enums_have_values_equal_to_their_names() -> None:
    import enum

    from invoicegraph.schema import enums

    for module in enums.ALL_MODULES:
        for candidate in vars(module).values():
            if isinstance(candidate, type) and issubclass(candidate, enum.Enum) and candidate is not enum.Enum:
                assert all(member.value == member.name for member in candidate), candidate


def test_unset_input_fields_are_none() -> None:
    assert InvoiceOrder(field=InvoiceOrderField.DUE_DATE).direction is OrderDirection.DESC
    assert InvoiceFilter().statuses is None
    assert strawberry.UNSET is not None
