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
    customerDetails { legalName type address { line1 country } taxIds { id } copiedAt }
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


async def test_invoices_arguments_reach_the_resolver_as_typed_values(schema: BillingSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []

    async def resolve_invoices(info: Any, filter: Any, order_by: Any, first: int, after: str | None) -> dict[str, Any]:
        calls.append((filter, order_by, first, after))
        return {
            "edges": [{"cursor": "c1", "node": invoice_row()}],
            "page_info": {"has_next_page": False, "has_previous_page": False, "start_cursor": "c1", "end_cursor": "c1"},
            "total_count": 1,
        }

    install(monkeypatch, "invoicegraph.resolvers.invoices", resolve_invoices=resolve_invoices)
    query = """
    query {
      a: invoices(filter: {statuses: [DRAFT], invoiceDate: {from: "2024-03-01T01:00:00+01:00"}}, orderBy: {field: STATUS}) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id status } }
      }
      b: invoices(first: null, after: "c0") { totalCount }
    }
    """

    result = await schema.execute(query, context_value=make_context())

    assert result.errors is None
    assert result.data["a"] == {  # type: ignore[index]
        "totalCount": 1,
        "pageInfo": {"hasNextPage": False, "endCursor": "c1"},
        "edges": [{"cursor": "c1", "node": {"id": "inv_1", "status": "DRAFT"}}],
    }
    (filter, order_by, first, after), (no_filter, no_order, null_first, cursor) = calls
    assert isinstance(filter, InvoiceFilter)
    assert filter.statuses == [InvoiceStatus.DRAFT]
    assert filter.customer_id is None
    assert filter.paid is None
    assert filter.invoice_date is not None
    assert filter.invoice_date.from_ == datetime.fromisoformat("2024-03-01T01:00:00+01:00")
    assert filter.invoice_date.to is None
    assert isinstance(order_by, InvoiceOrder)
    assert (order_by.field, order_by.direction) == (InvoiceOrderField.STATUS, OrderDirection.DESC)
    assert (first, after) == (25, None)
    assert (no_filter, no_order, null_first, cursor) == (None, None, 25, "c0")


async def test_customer_invoices_and_refresh_history_delegate_with_the_parent_row(
    schema: BillingSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, Any] = {}
    empty_page = {"edges": [], "page_info": {"has_next_page": False, "has_previous_page": False}, "total_count": 0}

    async def resolve_customer(info: Any, id: str) -> dict[str, Any]:
        return {"id": id, "object_type": "CUSTOMER"}

    async def resolve_customer_invoices(info: Any, customer: Any, filter: Any, order_by: Any, first: int, after: Any) -> dict[str, Any]:
        seen["customer"] = (customer["id"], filter, order_by, first, after)
        return empty_page

    async def resolve_invoice(info: Any, id: str) -> dict[str, Any]:
        return invoice_row(id=id)

    async def resolve_refresh_history(info: Any, invoice: Any, first: int, after: Any) -> dict[str, Any]:
        seen["history"] = (invoice["id"], first, after)
        record = {
            "id": "rr_1",
            "refreshed_at": "2024-03-02T10:00:00Z",
            "credential_id": "key_1",
            "request_id": "reqr_1",
            "types": ["FULL"],
            "status_before": "DRAFT",
            "status_after": "DRAFT",
            "total_before": {"quantity": "1.00", "currency": "EUR"},
            "total_after": {"quantity": "2.00", "currency": "EUR"},
            "changed": True,
        }
        return {**empty_page, "edges": [{"cursor": "h1", "node": record}], "total_count": 1}

    install(monkeypatch, "invoicegraph.resolvers.customers", resolve_customer=resolve_customer)
    install(
        monkeypatch,
        "invoicegraph.resolvers.invoices",
        resolve_customer_invoices=resolve_customer_invoices,
        resolve_invoice=resolve_invoice,
        resolve_refresh_history=resolve_refresh_history,
    )
    query = """{
      customer(id: "cus_1") { id invoices(first: 5) { totalCount edges { cursor } pageInfo { startCursor } } }
      invoice(id: "inv_9") { refreshHistory(after: "h0") { totalCount edges { node { types statusBefore totalAfter { quantity } changedPaths } } } }
    }"""

    result = await schema.execute(query, context_value=make_context())

    assert result.errors is None
    assert result.data["customer"]["invoices"] == {"totalCount": 0, "edges": [], "pageInfo": {"startCursor": None}}  # type: ignore[index]
    assert result.data["invoice"]["refreshHistory"]["edges"][0]["node"] == {  # type: ignore[index]
        "types": ["FULL"],
        "statusBefore": "DRAFT",
        "totalAfter": {"quantity": "2.00"},
        "changedPaths": [],
    }
    assert seen == {"customer": ("cus_1", None, None, 5, None), "history": ("inv_9", 25, "h0")}


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
