"""A real Apollo gateway in front of the real `invoicegraph serve` and a CRM subgraph.

Queries cross both ways (the CRM's customer list with our invoices; our invoice with the CRM's
fields on its customer), credentials and x-platform-id reach our subgraph (and only ours), errors
keep their codes, and our subgraph answers one batched `_entities` fetch per entity type.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest

from invoicegraph.settings import DEFAULT_JWT_SECRET
from tests.e2e.federation.conftest import Gateway

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

CRM_DATA = json.loads((Path(__file__).resolve().parents[1] / "node" / "crm-data.json").read_text(encoding="utf-8"))
CREDENTIAL_HEADERS = {"x-api-key", "authorization"}

CRM_CUSTOMERS_WITH_INVOICES = """
query CrmCustomersWithInvoices {
  customers {
    id
    accountManager
    segment
    reference
    invoices(first: 3) { totalCount edges { node { id status customer { id } } } }
    tickets { id subject invoice { id status billingEntity { id } } }
  }
}
"""

INVOICE_WITH_CRM_CUSTOMER = """
query InvoiceWithCrmCustomer($id: ID!) {
  invoice(id: $id) {
    id
    status
    customer { id reference email accountManager segment tickets { id } }
  }
}
"""

REFRESH = """
mutation Refresh($id: ID!) {
  refreshInvoice(id: $id) { id version customer { accountManager } }
}
"""


def key_headers(live_server: LiveServer, **extra: str) -> dict[str, str]:
    return {"x-api-key": live_server.api_key, "x-platform-id": live_server.platform_id, **extra}


def direct(live_server: LiveServer, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """The same question asked of our subgraph directly, without the gateway."""
    response = httpx.post(
        f"{live_server.base_url}/graphql",
        json={"query": query, "variables": variables or {}},
        headers=key_headers(live_server),
        timeout=20,
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    return body


def bearer_token(platforms: list[str], permissions: list[str]) -> str:
    # live_server runs in development, which verifies HS256 tokens with the published development secret.
    claims = {"sub": "federation-e2e", "exp": int(time.time()) + 600, "platforms": platforms, "permissions": permissions}
    return jwt.encode(claims, DEFAULT_JWT_SECRET, algorithm="HS256")


def billing_fetches(fetches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [fetch for fetch in fetches if fetch["service"] == "billing"]


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def test_crm_customer_list_with_our_invoices_is_one_entity_fetch_per_type(live_server: LiveServer, gateway: Gateway) -> None:
    # Given the CRM's customers (the demo platform's), and the invoices our subgraph holds for them
    expected_counts = {
        customer["id"]: direct(live_server, "query($id: ID!) { customer(id: $id) { invoices { totalCount } } }", {"id": customer["id"]})[
            "data"
        ]["customer"]["invoices"]["totalCount"]
        for customer in CRM_DATA["customers"]
    }

    # When a client asks the gateway for the CRM list with our invoices and the tickets' invoices
    response, body, fetches = gateway.post(CRM_CUSTOMERS_WITH_INVOICES, key_headers(live_server))

    # Then every customer has its CRM fields and our invoices
    assert response.status_code == 200
    assert "errors" not in body, body
    customers = body["data"]["customers"]
    assert [customer["id"] for customer in customers] == [customer["id"] for customer in CRM_DATA["customers"]]
    for customer, record in zip(customers, CRM_DATA["customers"], strict=True):
        assert customer["accountManager"] == record["accountManager"]
        assert customer["reference"]  # from our subgraph
        assert customer["invoices"]["totalCount"] == expected_counts[customer["id"]]
        assert all(edge["node"]["customer"]["id"] == customer["id"] for edge in customer["invoices"]["edges"])
        assert [(ticket["id"], ticket["invoice"]["id"]) for ticket in customer["tickets"]] == [
            (ticket["id"], ticket["invoiceId"]) for ticket in record["tickets"]
        ]
        assert all(ticket["invoice"]["status"] and ticket["invoice"]["billingEntity"]["id"] for ticket in customer["tickets"])
    assert sum(expected_counts.values()) > 0

    # And our subgraph was asked exactly once per entity type, each time for all of them at once
    ours = billing_fetches(fetches)
    assert all(fetch["entityFetch"] for fetch in ours), ours
    assert sorted((next(iter(fetch["entities"])), len(fetch["entities"])) for fetch in ours) == [("Customer", 1), ("Invoice", 1)]
    by_type = {typename: count for fetch in ours for typename, count in fetch["entities"].items()}
    assert by_type == {
        "Customer": len(CRM_DATA["customers"]),
        "Invoice": sum(len(record["tickets"]) for record in CRM_DATA["customers"]),
    }
    assert [fetch["service"] for fetch in fetches].count("crm") == 1


def test_our_invoice_with_crm_fields_on_its_customer(live_server: LiveServer, gateway: Gateway) -> None:
    # Given a demo invoice whose customer the CRM knows
    record = CRM_DATA["customers"][0]
    invoice_id = record["tickets"][0]["invoiceId"]

    # When a client asks the gateway for the invoice with CRM fields on its customer
    response, body, fetches = gateway.post(INVOICE_WITH_CRM_CUSTOMER, key_headers(live_server), {"id": invoice_id})

    # Then our invoice comes back with the CRM's view of the customer
    assert response.status_code == 200
    assert "errors" not in body, body
    invoice = body["data"]["invoice"]
    assert invoice["id"] == invoice_id
    assert invoice["customer"]["id"] == record["id"]
    assert invoice["customer"]["email"]
    assert invoice["customer"]["accountManager"] == record["accountManager"]
    assert invoice["customer"]["segment"] == record["segment"]
    assert [ticket["id"] for ticket in invoice["customer"]["tickets"]] == [ticket["id"] for ticket in record["tickets"]]
    # And the plan went ours → CRM: a root query on our subgraph, then one `_entities` on the CRM
    assert [(fetch["service"], fetch["entityFetch"]) for fetch in fetches] == [("billing", False), ("crm", True)]
    assert fetches[1]["entities"] == {"Customer": 1}


def test_api_key_and_platform_reach_our_subgraph_and_no_credential_reaches_the_crm(live_server: LiveServer, gateway: Gateway) -> None:
    # When a client sends the demo key and platform, plus a request id
    _, body, fetches = gateway.post(CRM_CUSTOMERS_WITH_INVOICES, key_headers(live_server, **{"x-request-id": "reqr_federation_e2e_1"}))

    # Then our subgraph received them, and the CRM received no credential and no platform
    assert "errors" not in body, body
    for fetch in fetches:
        if fetch["service"] == "billing":
            assert {"x-api-key", "x-platform-id", "x-request-id"} <= set(fetch["headers"]), fetch
            assert "authorization" not in fetch["headers"]
        else:
            assert not (CREDENTIAL_HEADERS | {"x-platform-id", "x-request-id"}) & set(fetch["headers"]), fetch


def test_the_platform_header_chooses_the_tenant_behind_the_gateway(live_server: LiveServer, gateway: Gateway) -> None:
    # Given an invoice of the demo platform, and the same key acting on its other platform
    invoice_id = CRM_DATA["customers"][0]["tickets"][0]["invoiceId"]
    other_platform = {"x-api-key": live_server.api_key, "x-platform-id": "plat_initech"}

    # When the client asks for it on the other platform
    _, body, _ = gateway.post(INVOICE_WITH_CRM_CUSTOMER, other_platform, {"id": invoice_id})

    # Then it does not exist there (same answer as an unknown id)
    assert body == {"data": {"invoice": None}}
    # When the CRM lists its customers (all of the demo platform) while the client acts on the other one
    _, listed, fetches = gateway.post("{ customers { id invoices { totalCount } } }", other_platform)

    # Then our subgraph resolved every one of them to null, without an error (ids of another platform
    # are simply not found), and the gateway could not complete the non-null `invoices`: with Apollo
    # gateway 2.14 that is `data: null` plus `extensions.valueCompletion`, and no data of either platform
    ours = billing_fetches(fetches)
    assert [(fetch["entities"], fetch["errors"]) for fetch in ours] == [({"Customer": len(CRM_DATA["customers"])}, [])]
    assert listed["data"] is None
    completion = listed["extensions"]["valueCompletion"]
    assert {error["message"] for error in completion} == {"Cannot return null for non-nullable field Customer.invoices."}
    assert len(completion) == len(CRM_DATA["customers"])


def test_bearer_token_reaches_our_subgraph_and_a_missing_permission_keeps_its_code(live_server: LiveServer, gateway: Gateway) -> None:
    # Given a read-only bearer token for the demo platform (no x-platform-id needed: it has one)
    token = bearer_token([live_server.platform_id], ["INVOICE.VIEW"])
    headers = {"authorization": f"Bearer {token}"}
    invoice_id = CRM_DATA["customers"][0]["tickets"][0]["invoiceId"]

    # When it reads through the gateway
    _, read, fetches = gateway.post(INVOICE_WITH_CRM_CUSTOMER, headers, {"id": invoice_id})

    # Then our subgraph accepted the forwarded Authorization header (and the CRM never saw it)
    assert "errors" not in read, read
    assert read["data"]["invoice"]["customer"]["accountManager"]
    assert [("authorization" in fetch["headers"]) for fetch in fetches] == [True, False]

    # When it tries to refresh, which needs INVOICE.REFRESH
    _, refused, _ = gateway.post(REFRESH, headers, {"id": invoice_id})

    # Then the gateway passes our error code through
    assert refused["data"] is None
    assert error_codes(refused) == ["USER_NOT_ALLOWED"]
    assert refused["errors"][0]["extensions"]["serviceName"] == "billing"
    assert "stacktrace" not in json.dumps(refused)


def test_refresh_through_the_gateway_and_its_business_error_code(live_server: LiveServer, gateway: Gateway) -> None:
    # Given a DRAFT and a FINAL demo invoice of the same customer
    record = CRM_DATA["customers"][0]
    draft, final = (ticket["invoiceId"] for ticket in record["tickets"][:2])
    statuses = {
        invoice_id: direct(live_server, "query($id: ID!) { invoice(id: $id) { status } }", {"id": invoice_id})["data"]["invoice"]["status"]
        for invoice_id in (draft, final)
    }
    assert statuses == {draft: "DRAFT", final: "FINAL"}, "the demo data changed: pick a DRAFT and a FINAL invoice of one CRM customer"

    # When the DRAFT is refreshed through the gateway, the answer crosses into the CRM too
    _, refreshed, _ = gateway.post(REFRESH, key_headers(live_server), {"id": draft})
    assert "errors" not in refreshed, refreshed
    assert refreshed["data"]["refreshInvoice"]["id"] == draft
    assert refreshed["data"]["refreshInvoice"]["customer"]["accountManager"] == record["accountManager"]

    # When the FINAL one is refreshed
    _, refused, _ = gateway.post(REFRESH, key_headers(live_server), {"id": final})

    # Then the code, type and resource of our error pass through unchanged
    assert refused["data"] is None
    assert error_codes(refused) == ["INVALID_OPERATION"]
    extensions = refused["errors"][0]["extensions"]
    assert extensions["resourceId"] == final
    assert extensions["resourceType"] == "INVOICE"
    assert extensions["serviceName"] == "billing"


@pytest.mark.parametrize(
    ("headers", "code", "status"),
    [
        ({"x-api-key": "igk_not_a_real_key_000000000000000000000000"}, "UNAUTHORISED", 401),
        ({}, "MISSING_FIELD", 400),  # the demo key spans two platforms: x-platform-id is required
        ({"x-platform-id": "plat_nowhere"}, "USER_NOT_ALLOWED", 403),
    ],
    ids=["unknown-key", "no-platform", "foreign-platform"],
)
def test_refusals_of_our_middleware_keep_their_code_behind_the_gateway(
    live_server: LiveServer, gateway: Gateway, headers: dict[str, str], code: str, status: int
) -> None:
    # Given a request our middleware refuses before GraphQL runs (an HTTP 4xx from our subgraph)
    sent = {"x-api-key": live_server.api_key, **headers}

    # When it goes through the gateway
    _, body, _ = gateway.post(INVOICE_WITH_CRM_CUSTOMER, sent, {"id": "invo_any"})

    # Then the client sees our code and message, not a generic "401: Unauthorized"
    assert body["data"] == {"invoice": None}
    assert error_codes(body) == [code]
    extensions = body["errors"][0]["extensions"]
    assert extensions["httpStatus"] == status
    assert extensions["serviceName"] == "billing"


def test_no_credential_behind_the_gateway_is_unauthorised(gateway: Gateway) -> None:
    # When a client without a credential asks for our data
    _, body, fetches = gateway.post(INVOICE_WITH_CRM_CUSTOMER, {}, {"id": "invo_any"})

    # Then our subgraph answers UNAUTHORISED through the gateway
    assert error_codes(body) == ["UNAUTHORISED"]
    assert not any(CREDENTIAL_HEADERS & set(fetch["headers"]) for fetch in fetches)
