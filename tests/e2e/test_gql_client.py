"""A real Python client against the real server: gql 4 over HTTPX.

gql fetches the schema by introspection (development), validates documents locally against it,
sends variables, and raises `TransportQueryError` carrying our `extensions.code`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
import pytest
from gql import Client, GraphQLRequest, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import GraphQLError, GraphQLObjectType, GraphQLSchema, build_schema

from invoicegraph.settings import DEFAULT_JWT_SECRET

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
TIMEOUT_SECONDS = 20

INVOICES = """
    query DraftInvoices($first: Int!, $filter: InvoiceFilter) {
      invoices(first: $first, filter: $filter) {
        totalCount
        edges { node { id status version customer { id reference } invoiceAmountIncludingTax { quantity currency } } }
      }
    }
"""

REFRESH = """
    mutation Refresh($id: ID!, $types: [InvoiceRefreshType!]) {
      refreshInvoice(id: $id, types: $types) { id status version invoiceAmountIncludingTax { quantity currency } }
    }
"""


def client_for(live_server: LiveServer, headers: dict[str, str]) -> Client:
    transport = HTTPXAsyncTransport(url=f"{live_server.base_url}/graphql", headers=headers, timeout=TIMEOUT_SECONDS)
    return Client(transport=transport, fetch_schema_from_transport=True, execute_timeout=TIMEOUT_SECONDS)


@pytest.fixture
async def session(live_server: LiveServer) -> AsyncIterator[tuple[Client, AsyncClientSession]]:
    client = client_for(live_server, {"x-api-key": live_server.api_key, "x-platform-id": live_server.platform_id})
    async with client as connected:
        yield client, connected


def request(document: str, variables: dict[str, Any]) -> GraphQLRequest:
    """A gql 4 request: the document, parsed once by `gql()`, with its variables set."""
    parsed = gql(document)
    parsed.variable_values = variables
    return parsed


async def test_gql_fetches_the_schema_we_commit(session: tuple[Client, AsyncClientSession]) -> None:
    client, _ = session

    # Then the introspected schema is the committed SDL: the same types, each with the same fields
    assert client.schema is not None
    committed = build_schema(SCHEMA_FILE.read_text(encoding="utf-8"), assume_valid_sdl=True)  # federation directives are not declared
    fetched_fields = object_fields(client.schema)
    assert fetched_fields == object_fields(committed)
    assert {"Invoice", "Customer", "BillingEntity", "Query", "Mutation"} <= set(fetched_fields)
    assert "refreshInvoice" in fetched_fields["Mutation"]


def object_fields(schema: GraphQLSchema) -> dict[str, set[str]]:
    return {
        name: set(definition.fields)
        for name, definition in schema.type_map.items()
        if isinstance(definition, GraphQLObjectType) and not name.startswith("__")
    }


async def test_gql_validates_locally_against_the_fetched_schema(session: tuple[Client, AsyncClientSession]) -> None:
    _, connected = session

    with pytest.raises(GraphQLError, match="Cannot query field 'nope' on type 'Invoice'"):
        await connected.execute(gql("{ invoices { edges { node { nope } } } }"))


async def test_gql_runs_a_query_and_refreshes_an_invoice_with_variables(session: tuple[Client, AsyncClientSession]) -> None:
    _, connected = session

    # Given the demo platform's DRAFT invoices, asked for with variables
    drafts = await connected.execute(request(INVOICES, {"first": 5, "filter": {"statuses": ["DRAFT"]}}))
    edges = drafts["invoices"]["edges"]
    assert edges, drafts
    assert {edge["node"]["status"] for edge in edges} == {"DRAFT"}
    invoice = edges[-1]["node"]

    # When one of them is refreshed with variables
    refreshed = (await connected.execute(request(REFRESH, {"id": invoice["id"], "types": ["FULL"]})))["refreshInvoice"]

    # Then the saved invoice comes back: same id and status, a version at least as new
    assert refreshed["id"] == invoice["id"]
    assert refreshed["status"] == "DRAFT"
    assert refreshed["version"] >= invoice["version"]
    assert refreshed["invoiceAmountIncludingTax"]["currency"] == invoice["invoiceAmountIncludingTax"]["currency"]


async def test_gql_reads_our_error_codes(session: tuple[Client, AsyncClientSession], live_server: LiveServer) -> None:
    _, connected = session

    # Given a FINAL invoice of the demo platform
    finals = await connected.execute(request(INVOICES, {"first": 1, "filter": {"statuses": ["FINAL"]}}))
    final_id = finals["invoices"]["edges"][0]["node"]["id"]

    # When it is refreshed
    with pytest.raises(TransportQueryError) as refused:
        await connected.execute(request(REFRESH, {"id": final_id}))

    # Then gql hands over our code and the resource
    assert refused.value.errors is not None
    extensions = refused.value.errors[0]["extensions"]
    assert extensions["code"] == "INVALID_OPERATION"
    assert extensions["resourceId"] == final_id
    assert extensions["resourceType"] == "INVOICE"


async def test_gql_reads_a_missing_permission(live_server: LiveServer) -> None:
    # Given a read-only bearer token
    claims = {"sub": "gql-e2e", "exp": int(time.time()) + 600, "platforms": [live_server.platform_id], "permissions": ["INVOICE.VIEW"]}
    client = client_for(live_server, {"authorization": f"Bearer {jwt.encode(claims, DEFAULT_JWT_SECRET, algorithm='HS256')}"})

    async with client as connected:
        with pytest.raises(TransportQueryError) as refused:
            await connected.execute(request(REFRESH, {"id": "invo_any"}))

    assert refused.value.errors is not None
    assert refused.value.errors[0]["extensions"]["code"] == "USER_NOT_ALLOWED"
