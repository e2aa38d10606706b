"""Root fields check the credential's permissions; coded errors reach the client with their extensions."""

from __future__ import annotations

import httpx
import pytest

from tests.support.api import Api
from tests.support.data import INVOICE_ID
from tests.unit.schema.conftest import Keys

REFRESH = """mutation ($id: ID!) {
  refreshInvoice(id: $id, types: [CUSTOMER, TAX_RATES]) {
    id version refreshHistory(first: 1) { edges { node { types } } }
  }
}"""
PREVIEW = "query ($id: ID!) { invoiceRefreshPreview(id: $id) { basedOnVersion types changes { path } invoice { id } } }"


async def test_refresh_applies_and_records_the_types_asked_for(api: Api) -> None:
    body = await api.graphql(REFRESH, {"id": INVOICE_ID})

    assert "errors" not in body, body["errors"]
    refreshed = body["data"]["refreshInvoice"]
    assert refreshed["id"] == INVOICE_ID
    assert refreshed["refreshHistory"]["edges"] == [{"node": {"types": ["CUSTOMER", "TAX_RATES"]}}]


@pytest.mark.parametrize("permission", ["INVOICE.PREVIEW", "INVOICE.REFRESH"])
async def test_preview_accepts_refresh_or_preview_permission(keys: Keys, permission: str) -> None:
    caller = await keys.api(permission)

    body = await caller.graphql(PREVIEW, {"id": INVOICE_ID})

    assert "errors" not in body, body["errors"]
    # Nothing changed since the import computed the draft: the preview says so.
    assert body["data"]["invoiceRefreshPreview"] == {"basedOnVersion": 1, "types": ["FULL"], "changes": [], "invoice": {"id": INVOICE_ID}}


@pytest.mark.parametrize(
    ("query", "permissions"),
    [
        ('{ invoice(id: "invo_globex_2026_11") { id } }', ("INVOICE.REFRESH", "INVOICE.PREVIEW")),
        ('{ customer(id: "cust_globex") { id } }', ("INVOICE.REFRESH",)),
        ("{ invoices { totalCount } }", ("INVOICE.PREVIEW",)),
        ('mutation { refreshInvoice(id: "invo_globex_2026_11") { id } }', ("INVOICE.VIEW", "INVOICE.PREVIEW")),
        ('{ invoiceRefreshPreview(id: "invo_globex_2026_11") { basedOnVersion } }', ("INVOICE.VIEW",)),
    ],
)
async def test_missing_permission_is_user_not_allowed(keys: Keys, query: str, permissions: tuple[str, ...]) -> None:
    caller = await keys.api(*permissions)

    body = await caller.graphql(query)

    extensions = body["errors"][0]["extensions"]
    assert (extensions["code"], extensions["type"]) == ("USER_NOT_ALLOWED", "INVALID_REQUEST")
    assert "INVOICE." in body["errors"][0]["message"]
    assert body["data"] is None or set(body["data"].values()) == {None}, "nothing is answered"


async def test_anonymous_requests_get_unauthorised_but_typename_works(client: httpx.AsyncClient, api: Api) -> None:
    response = await client.post("/graphql", json={"query": '{ __typename invoice(id: "invo_globex_2026_11") { id } }'})

    body = response.json()
    assert body["data"] == {"__typename": "Query", "invoice": None}
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHORISED"


async def test_a_coded_error_carries_its_extensions(api: Api) -> None:
    body = await api.graphql('mutation { refreshInvoice(id: "invo_missing") { id } }')

    assert body["data"] is None
    (error,) = body["errors"]
    assert error["message"] == 'Invoice "invo_missing" was not found.'
    extensions = error["extensions"]
    assert {key: extensions[key] for key in ("code", "type", "resourceId", "resourceType")} == {
        "code": "RESOURCE_NOT_FOUND",
        "type": "INVALID_REQUEST",
        "resourceId": "invo_missing",
        "resourceType": "INVOICE",
    }


async def test_a_validation_error_keeps_its_message(api: Api) -> None:
    body = await api.graphql("{ invoice { id } }")

    assert "Query.invoice(id:)" in body["errors"][0]["message"]


async def test_nested_lists_of_invoices_need_invoice_view_too(keys: Keys) -> None:
    # Given a caller that may refresh but not read: the refreshed invoice comes back, its history does not
    caller = await keys.api("INVOICE.REFRESH")

    body = await caller.graphql(f'mutation {{ refreshInvoice(id: "{INVOICE_ID}") {{ id refreshHistory {{ totalCount }} }} }}')

    (error,) = body["errors"]
    assert error["path"] == ["refreshInvoice", "refreshHistory"]
    assert error["extensions"]["code"] == "USER_NOT_ALLOWED"
