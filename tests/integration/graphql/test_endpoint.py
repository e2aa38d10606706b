"""Which operation runs, and how malformed GraphQL requests are answered (docs/api.md, GraphQL over HTTP).

Every refusal is a GraphQL response with coded errors and no `data` entry, in the media type the
client prefers; nothing in a refused request executes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load

KEY = {"X-API-KEY": EXAMPLE_KEY}
STRICT = "application/graphql-response+json"
VERSION = f'{{ invoice(id: "{INVOICE_ID}") {{ version }} }}'


@pytest.fixture(autouse=True)
async def loaded(database: Database, tmp_path: Path) -> None:
    await load(database, tmp_path, example(), "example.json")


def refused(response: httpx.Response, status: int, code: str, field: str | None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field), error
    assert error["extensions"]["type"] == "INVALID_REQUEST"
    return dict(error)


async def _version(client: httpx.AsyncClient) -> int:
    return int((await client.post("/graphql", json={"query": VERSION}, headers=KEY)).json()["data"]["invoice"]["version"])


async def test_several_operations_without_a_name_run_none(client: httpx.AsyncClient) -> None:
    before = await _version(client)
    mutation_first = f'mutation B {{ refreshInvoice(id: "{INVOICE_ID}", types: [PO_NUMBER]) {{ id }} }} query A {{ __typename }}'
    response = await client.post("/graphql", json={"query": mutation_first}, headers=KEY)
    refused(response, 200, "MISSING_FIELD", "operationName")
    assert await _version(client) == before  # the first operation did not run
    named = await client.post("/graphql", json={"query": mutation_first, "operationName": "A"}, headers=KEY)
    assert named.json() == {"data": {"__typename": "Query"}}


async def test_an_unknown_operation_name_is_a_coded_400(client: httpx.AsyncClient) -> None:
    response = await client.post("/graphql", json={"query": "query A { __typename }", "operationName": "Z"}, headers=KEY)
    error = refused(response, 400, "INVALID_FIELD", "operationName")
    assert "Z" not in error["message"]  # input is not reflected


async def test_typename_at_the_mutation_root_is_not_a_second_mutation(client: httpx.AsyncClient) -> None:
    one = f'mutation {{ __typename a: refreshInvoice(id: "{INVOICE_ID}", types: [PO_NUMBER]) {{ id }} }}'
    response = await client.post("/graphql", json={"query": one}, headers=KEY)
    assert response.json()["data"] == {"__typename": "Mutation", "a": {"id": INVOICE_ID}}, response.text
    two = f'mutation {{ a: refreshInvoice(id: "{INVOICE_ID}") {{ id }} b: refreshInvoice(id: "{INVOICE_ID}") {{ id }} }}'
    error = refused(await client.post("/graphql", json={"query": two}, headers=KEY), 200, "INVALID_REQUEST", None)
    assert error["extensions"]["limit"] == "mutations"


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b'{"query":', 400, "INVALID_FIELD", "body"),
        (b"{}", 400, "MISSING_FIELD", "query"),
        (b'{"query": 5}', 400, "INVALID_FIELD", "query"),
        (b'{"query": "{ __typename }", "variables": [1]}', 400, "INVALID_FIELD", "variables"),
        (b'{"query": "{ __typename }", "extensions": "x"}', 400, "INVALID_FIELD", "extensions"),
    ],
    ids=["not-json", "no-query", "query-not-string", "variables-not-object", "extensions-not-object"],
)
async def test_malformed_bodies_are_coded_graphql_errors(
    client: httpx.AsyncClient, body: bytes, status: int, code: str, field: str
) -> None:
    headers = {**KEY, "content-type": "application/json"}
    refused(await client.post("/graphql", content=body, headers=headers), status, code, field)
    strict = await client.post("/graphql", content=body, headers={**headers, "accept": STRICT})
    assert strict.status_code == status
    assert strict.headers["content-type"] == STRICT
    assert "data" not in strict.json()


async def test_bad_json_in_a_get_parameter_names_the_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/graphql", params={"query": "{ __typename }", "variables": "{bad"}, headers=KEY)
    refused(response, 400, "INVALID_FIELD", "variables")


async def test_a_get_without_query_answers_json_unless_a_browser_asks_for_the_page(client: httpx.AsyncClient) -> None:
    refused(await client.get("/graphql", headers={**KEY, "accept": "*/*"}), 400, "MISSING_FIELD", "query")
    page = await client.get("/graphql", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")


async def test_graphql_core_request_errors_are_coded(client: httpx.AsyncClient) -> None:
    syntax = await client.post("/graphql", json={"query": "{ invoice( }"}, headers=KEY)
    refused(syntax, 200, "INVALID_REQUEST", None)
    validation = await client.post("/graphql", json={"query": "{ nope }"}, headers=KEY)
    refused(validation, 200, "INVALID_REQUEST", None)
    query = "query ($id: ID!) { invoice(id: $id) { id } }"
    refused(await client.post("/graphql", json={"query": query}, headers=KEY), 200, "MISSING_FIELD", "variables.id")
    wrong = await client.post("/graphql", json={"query": query, "variables": {"id": {"x": 1}}}, headers=KEY)
    refused(wrong, 200, "INVALID_FIELD", "variables.id")


@pytest.mark.parametrize("instant", ["2026-11-01t00:00:00z", "2026-11-01T00:00:00z", "2026-11-01t00:00:00+00:00"])
async def test_rfc3339_allows_lower_case_t_and_z(client: httpx.AsyncClient, instant: str) -> None:
    upper = "2026-11-01T00:00:00Z"
    query = "query ($from: DateTime!) { invoices(filter: { invoiceDate: { from: $from } }) { totalCount } }"
    lower = await client.post("/graphql", json={"query": query, "variables": {"from": instant}}, headers=KEY)
    expected = await client.post("/graphql", json={"query": query, "variables": {"from": upper}}, headers=KEY)
    assert lower.json() == expected.json()
    assert "errors" not in lower.json()


async def test_non_ascii_digits_are_not_a_date_time(client: httpx.AsyncClient) -> None:
    query = "query ($from: DateTime!) { invoices(filter: { invoiceDate: { from: $from } }) { totalCount } }"
    arabic = "٢٠٢٦-11-01T00:00:00Z"
    refused(
        await client.post("/graphql", json={"query": query, "variables": {"from": arabic}}, headers=KEY),
        200,
        "INVALID_FIELD",
        "variables.from",
    )


async def test_nested_introspection_is_refused(client: httpx.AsyncClient) -> None:
    # `fields { type { fields … } }` grows with every level; graphql-core's recommended rule stops it.
    circular = "{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }"
    response = await client.post("/graphql", json={"query": circular}, headers=KEY)
    body = response.json()
    assert "data" not in body
    assert {error["extensions"]["code"] for error in body["errors"]} == {"INVALID_REQUEST"}
    assert "Maximum introspection depth exceeded" in body["errors"][0]["message"]
    standard = await client.post("/graphql", json={"query": json.loads(json.dumps(_introspection()))}, headers=KEY)
    assert standard.json()["data"]["__schema"]["queryType"]["name"] == "Query"


def _introspection() -> str:
    from graphql import get_introspection_query

    return get_introspection_query(descriptions=True)
