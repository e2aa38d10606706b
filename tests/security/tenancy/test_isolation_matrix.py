"""The tenant-isolation matrix (docs/api.md: tenants never see each other), on SQLite and PostgreSQL.

Two platforms, each with an API key and a bearer token. Case 8 (every tenant table has an indexed,
non-null platform_id) is `tests/unit/db/test_tables.py`'s and the tenant guard's; case 9 (a fuzzing run
with both credential sets) is `tests/fuzz/test_graphql_schema_fuzz.py`. The structural safety net
(`tests/support/tenant_guard.py`) runs under every test here too.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from tests.security.tenancy.conftest import Tenants, graphql, leaks

CREDENTIALS = ["api_key", "bearer"]

INVOICE = """
query($id: ID!) {
  invoice(id: $id) {
    id platformId customerId version
    customer { id reference email invoices(first: 10) { edges { node { id platformId } } } }
    billingEntity { id legalName }
    billingEntityDetails { legalName }
    customerDetails { legalName email }
  }
}
"""


async def _invoice_row(database: Database, platform_id: str, invoice_id: str) -> tuple[Any, ...]:
    async with database.read() as session:
        row = (
            await session.execute(
                select(col(tables.Invoice.version), col(tables.Invoice.updated_at), col(tables.Invoice.document)).where(
                    col(tables.Invoice.platform_id) == platform_id, col(tables.Invoice.id) == invoice_id
                )
            )
        ).one()
    return tuple(row)


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_1_a_foreign_invoice_looks_exactly_like_a_missing_one(client: httpx.AsyncClient, tenants: Tenants, credential: str) -> None:
    headers = tenants.a.credentials()[credential]
    foreign = await graphql(client, headers, INVOICE, {"id": tenants.b.invoice_id})
    missing = await graphql(client, headers, INVOICE, {"id": "invo_does_not_exist"})
    assert foreign.status_code == missing.status_code == 200
    assert foreign.json() == missing.json() == {"data": {"invoice": None}}
    rest_foreign = await client.get(f"/v1/invoices/{tenants.b.invoice_id}", headers=headers)
    rest_missing = await client.get("/v1/invoices/invo_does_not_exist", headers=headers)
    assert rest_foreign.status_code == rest_missing.status_code == 404
    assert rest_foreign.json()["code"] == rest_missing.json()["code"] == "RESOURCE_NOT_FOUND"
    assert rest_foreign.json()["resource_id"] == tenants.b.invoice_id  # the caller's own input, echoed
    assert leaks(foreign, tenants.b.invoice_id) == []


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_2_refreshing_a_foreign_invoice_is_not_found_and_changes_nothing(
    client: httpx.AsyncClient, database: Database, tenants: Tenants, credential: str
) -> None:
    headers = tenants.a.credentials()[credential]
    before = await _invoice_row(database, tenants.b.platform_id, tenants.b.invoice_id)
    mutation = "mutation($id: ID!) { refreshInvoice(id: $id) { id version } }"
    foreign = await graphql(client, headers, mutation, {"id": tenants.b.invoice_id})
    missing = await graphql(client, headers, mutation, {"id": "invo_does_not_exist"})
    assert foreign.json()["errors"][0]["extensions"]["code"] == missing.json()["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    rest = await client.post(f"/v1/invoices/{tenants.b.invoice_id}/refresh", headers=headers, json={})
    assert rest.status_code == 404
    preview = await graphql(
        client, headers, "query($id: ID!) { invoiceRefreshPreview(id: $id) { basedOnVersion } }", {"id": tenants.b.invoice_id}
    )
    assert preview.json()["data"] == {"invoiceRefreshPreview": None}
    assert await _invoice_row(database, tenants.b.platform_id, tenants.b.invoice_id) == before
    assert leaks(foreign, tenants.b.invoice_id) == leaks(rest, tenants.b.invoice_id) == []


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_3_the_header_only_chooses_among_the_credentials_platforms(
    client: httpx.AsyncClient, tenants: Tenants, credential: str
) -> None:
    headers = tenants.a.credentials()[credential]
    query = {"query": "{ invoices(first: 1) { edges { node { id } } } }"}
    for platform in (tenants.b.platform_id, "plat_does_not_exist", "", " ", "plat_acme\x00", "../plat_beta", "PLAT_ACME"):
        response = await client.post("/graphql", json=query, headers={**headers, "x-platform-id": platform})
        if platform == "":
            assert response.status_code == 200  # absent: the credential's only platform
            continue
        assert response.status_code == 403, platform
        assert response.json()["errors"][0]["extensions"]["code"] == "USER_NOT_ALLOWED"
        assert leaks(response) == []
        rest = await client.get(f"/v1/invoices/{tenants.a.invoice_id}", headers={**headers, "x-platform-id": platform})
        assert rest.status_code == 403


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_4_aliases_fragments_and_nested_edges_never_cross(client: httpx.AsyncClient, tenants: Tenants, credential: str) -> None:
    headers = tenants.a.credentials()[credential]
    query = """
    fragment Inv on Invoice { id platformId customer { id invoices(first: 50) { edges { node { id platformId billingEntity { legalName } } } } } }
    query($a: ID!, $b: ID!, $cb: ID!) {
      mine: invoice(id: $a) { ...Inv }
      theirs: invoice(id: $b) { ...Inv }
      theirCustomer: customer(id: $cb) { id invoices(first: 50) { edges { node { id } } } }
      all: invoices(first: 100) { edges { node { ... on Invoice { id platformId customer { id reference } } } } }
    }
    """
    response = await graphql(client, headers, query, {"a": tenants.a.invoice_id, "b": tenants.b.invoice_id, "cb": tenants.b.customer_id})
    body = response.json()
    assert "errors" not in body, body
    data = body["data"]
    assert data["mine"]["platformId"] == tenants.a.platform_id
    assert data["theirs"] is None
    assert data["theirCustomer"] is None
    nested = data["mine"]["customer"]["invoices"]["edges"]
    assert nested
    assert {edge["node"]["platformId"] for edge in nested} == {tenants.a.platform_id}
    # Same billing-entity id in both tenants: A sees its own legal name.
    assert {edge["node"]["billingEntity"]["legalName"] for edge in nested} == {"Acme Cloud B.V."}
    listed = data["all"]["edges"]
    assert listed
    assert {edge["node"]["platformId"] for edge in listed} == {tenants.a.platform_id}
    assert leaks(response) == []


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_5_entities_resolve_only_the_callers_platform(client: httpx.AsyncClient, tenants: Tenants, credential: str) -> None:
    headers = tenants.a.credentials()[credential]
    query = """
    query($r: [_Any!]!) { _entities(representations: $r) {
      __typename ... on Invoice { id platformId } ... on Customer { id reference } ... on BillingEntity { id legalName } } }
    """
    representations = [
        {"__typename": "Invoice", "id": tenants.b.invoice_id},
        {"__typename": "Customer", "id": tenants.b.customer_id},
        {"__typename": "Invoice", "id": tenants.a.invoice_id},
        {"__typename": "BillingEntity", "id": "enti_nl"},
        # Client-supplied fields must never be echoed as data (re-read from the database or null).
        {"__typename": "Customer", "id": tenants.b.customer_id, "reference": "initech"},
    ]
    response = await graphql(client, headers, query, {"r": representations})
    entities = response.json()["data"]["_entities"]
    assert entities[0] is None
    assert entities[1] is None
    assert entities[4] is None
    assert entities[2] == {"__typename": "Invoice", "id": tenants.a.invoice_id, "platformId": tenants.a.platform_id}
    assert entities[3]["legalName"] == "Acme Cloud B.V."
    assert leaks(response) == []


async def test_6_loader_caches_never_carry_one_platform_into_another(database: Database, tenants: Tenants) -> None:
    requests = [database.for_request() for _ in range(3)]
    a, b = Loaders(requests[0], tenants.a.platform_id), Loaders(requests[1], tenants.b.platform_id)
    # The same ids in both tenants (composite keys): each loader answers its own platform's row.
    entity_a = await a.billing_entity_by_id.load("enti_nl")
    entity_b = await b.billing_entity_by_id.load("enti_nl")
    assert entity_a["platform_id"] == tenants.a.platform_id
    assert entity_b["platform_id"] == tenants.b.platform_id
    assert entity_a["legal_name"] != entity_b["legal_name"]
    # A's loader, warmed with A's invoice, still does not see B's; B's does, and only B's.
    assert (await a.invoice_by_id.load(tenants.a.invoice_id))["platform_id"] == tenants.a.platform_id
    assert await a.invoice_by_id.load(tenants.b.invoice_id) is None
    assert (await b.invoice_by_id.load(tenants.b.invoice_id))["platform_id"] == tenants.b.platform_id
    assert await b.invoice_by_id.load(tenants.a.invoice_id) is None
    # A loader without a platform (anonymous) loads nothing at all.
    assert await Loaders(requests[2], None).invoice_by_id.load(tenants.a.invoice_id) is None
    for request in requests:
        await request.close()


async def test_6_requests_in_turn_on_one_app_do_not_share_caches(client: httpx.AsyncClient, tenants: Tenants) -> None:
    query = "{ invoices(first: 100) { edges { node { id platformId billingEntity { legalName } } } } }"
    for _ in range(2):
        for tenant, name in ((tenants.a, "Acme Cloud B.V."), (tenants.b, "Beta Cloud B.V.")):
            body = (await graphql(client, tenant.key_headers, query)).json()
            nodes = [edge["node"] for edge in body["data"]["invoices"]["edges"]]
            assert nodes
            assert {n["platformId"] for n in nodes} == {tenant.platform_id}
            assert {n["billingEntity"]["legalName"] for n in nodes} == {name}


@pytest.mark.parametrize("credential", CREDENTIALS)
async def test_7_no_error_mentions_the_other_tenant(client: httpx.AsyncClient, tenants: Tenants, credential: str) -> None:
    headers = tenants.a.credentials()[credential]
    probes = [
        ("query($id: ID!) { invoice(id: $id) { id } }", {"id": tenants.b.invoice_id}),
        ("query($id: ID!) { customer(id: $id) { id } }", {"id": tenants.b.customer_id}),
        ("query($id: ID!) { invoices(filter: {customerId: $id}) { edges { node { id } } } }", {"id": tenants.b.customer_id}),
        ("mutation($id: ID!) { refreshInvoice(id: $id, types: [FULL]) { id } }", {"id": tenants.b.invoice_id}),
        ("query($id: ID!) { invoice(id: $id) { refreshHistory { edges { node { __typename } } } } }", {"id": tenants.b.invoice_id}),
    ]
    for query, variables in probes:
        response = await graphql(client, headers, query, variables)
        assert response.status_code < 500
        assert leaks(response, *variables.values()) == [], (query, response.text)
