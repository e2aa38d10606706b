"""Root fields check the principal's permissions; coded errors carry their extensions."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.extensions import MaskErrors

from invoicegraph.errors import ResourceNotFound
from invoicegraph.schema.build import BillingSchema, build_schema
from invoicegraph.schema.errors import is_unexpected_error
from tests.unit.schema.support import install, invoice_row, make_context, principal

REFRESH = 'mutation { refreshInvoice(id: "inv_1", types: [CUSTOMER, TAX_RATES]) { id version } }'
PREVIEW = 'query { invoiceRefreshPreview(id: "inv_1") { basedOnVersion types changes { path before after } invoice { invoiceId } } }'


@pytest.fixture(autouse=True)
def resolvers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    calls: list[tuple[Any, ...]] = []

    async def resolve_invoice(info: Any, id: str) -> dict[str, Any]:
        return invoice_row(id=id)

    async def resolve_refresh_invoice(info: Any, id: str, types: Any) -> dict[str, Any]:
        calls.append(("refresh", id, types))
        if id == "inv_missing":
            raise ResourceNotFound("Invoice inv_missing was not found.", resource_id=id, resource_type="INVOICE")
        if id == "inv_bug":
            raise ValueError("database password is hunter2")
        return invoice_row(id=id, version=4)

    async def resolve_refresh_preview(info: Any, id: str, types: Any) -> dict[str, Any]:
        calls.append(("preview", id, types))
        return {
            "invoice": invoice_row(id=id),
            "types": ["FULL"],
            "based_on_version": 3,
            "changes": [{"path": "tax_summary.tax_amount.quantity", "before": "1.00", "after": {"x": [1, None]}}],
        }

    install(monkeypatch, "invoicegraph.resolvers.invoices", resolve_invoice=resolve_invoice)
    install(
        monkeypatch,
        "invoicegraph.resolvers.refresh",
        resolve_refresh_invoice=resolve_refresh_invoice,
        resolve_refresh_preview=resolve_refresh_preview,
    )
    return calls


async def test_refresh_passes_types_as_enums(schema: BillingSchema, resolvers: list[tuple[Any, ...]]) -> None:
    result = await schema.execute(REFRESH, context_value=make_context(who=principal({"INVOICE.REFRESH"})))

    assert result.errors is None
    assert result.data == {"refreshInvoice": {"id": "inv_1", "version": 4}}
    ((_, _, types),) = resolvers
    assert types == ["CUSTOMER", "TAX_RATES"]


async def test_preview_accepts_refresh_or_preview_permission(schema: BillingSchema, resolvers: list[tuple[Any, ...]]) -> None:
    for permissions in ({"INVOICE.PREVIEW"}, {"INVOICE.REFRESH"}):
        result = await schema.execute(PREVIEW, context_value=make_context(who=principal(permissions)))
        assert result.errors is None
        assert result.data is not None
        assert result.data["invoiceRefreshPreview"]["changes"] == [
            {"path": "taxSummary.taxAmount.quantity", "before": "1.00", "after": {"x": [1, None]}}
        ]
    assert resolvers[0] == ("preview", "inv_1", [])


@pytest.mark.parametrize(
    ("query", "permissions"),
    [
        ('{ invoice(id: "inv_1") { id } }', {"INVOICE.REFRESH", "INVOICE.PREVIEW"}),
        ('{ customer(id: "cus_1") { id } }', {"INVOICE.REFRESH"}),
        ("{ invoices { totalCount } }", set()),
        (REFRESH, {"INVOICE.VIEW", "INVOICE.PREVIEW"}),
        (PREVIEW, {"INVOICE.VIEW"}),
    ],
)
async def test_missing_permission_is_user_not_allowed(schema: BillingSchema, query: str, permissions: set[str]) -> None:
    result = await schema.execute(query, context_value=make_context(who=principal(permissions)))

    assert result.errors is not None
    extensions = result.errors[0].extensions
    assert extensions is not None
    assert extensions["code"] == "USER_NOT_ALLOWED"
    assert extensions["type"] == "INVALID_REQUEST"
    assert "INVOICE." in result.errors[0].message


async def test_anonymous_requests_get_unauthorised_but_typename_works(schema: BillingSchema) -> None:
    result = await schema.execute('{ __typename invoice(id: "inv_1") { id } }', context_value=make_context(anonymous=True))

    assert result.data == {"__typename": "Query", "invoice": None}
    assert result.errors is not None
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "UNAUTHORISED"


async def test_a_coded_error_in_a_resolver_carries_its_extensions(schema: BillingSchema) -> None:
    query = 'mutation { refreshInvoice(id: "inv_missing") { id } }'

    result = await schema.execute(query, context_value=make_context())

    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].message == "Invoice inv_missing was not found."
    assert result.errors[0].extensions == {
        "code": "RESOURCE_NOT_FOUND",
        "type": "INVALID_REQUEST",
        "field": None,
        "resourceId": "inv_missing",
        "resourceType": "INVOICE",
    }


async def test_with_mask_errors_coded_errors_survive_and_unexpected_ones_are_masked() -> None:
    masked = build_schema(extensions=[lambda: MaskErrors(should_mask_error=is_unexpected_error)])

    coded = await masked.execute('mutation { refreshInvoice(id: "inv_missing") { id } }', context_value=make_context())
    bug = await masked.execute('mutation { refreshInvoice(id: "inv_bug") { id } }', context_value=make_context())
    invalid = await masked.execute("{ invoice { id } }", context_value=make_context())

    assert coded.errors is not None
    assert coded.errors[0].extensions is not None
    assert coded.errors[0].extensions["code"] == "RESOURCE_NOT_FOUND"
    assert bug.errors is not None
    assert bug.errors[0].message == "Unexpected error."
    assert "hunter2" not in str(bug.errors[0].formatted)
    assert invalid.errors is not None
    assert "Query.invoice(id:)" in invalid.errors[0].message


async def test_nested_lists_of_invoices_need_invoice_view_too(schema: BillingSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a caller that may refresh but not read: the refreshed invoice comes back, its history does not
    query = 'mutation { refreshInvoice(id: "inv_1") { id refreshHistory { totalCount } } }'

    result = await schema.execute(query, context_value=make_context(who=principal({"INVOICE.REFRESH"})))

    assert result.errors is not None
    assert result.errors[0].path == ["refreshInvoice", "refreshHistory"]
    assert result.errors[0].extensions is not None
    assert result.errors[0].extensions["code"] == "USER_NOT_ALLOWED"
