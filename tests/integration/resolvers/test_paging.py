"""Keyset paging of the invoice connections: walking page by page gives the one-page answer.

For every order field and both directions, `invoices(first: 1, after: …)` followed to the end must
list exactly the invoices of one large page, in the same order; the same for a filtered list and for
`Customer.invoices`. Page statements are built once per (query, first, after) and cached
(db/invoice_queries.py), so this also shows that a cached statement never answers another cursor.
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record

KEY = {"X-API-KEY": EXAMPLE_KEY}
ORDERS = ["INVOICE_NUMBER", "INVOICE_DATE", "DUE_DATE", "INVOICE_AMOUNT_INCLUDING_TAX", "STATUS", "CREATED_AT"]
LIST = """query($first: Int!, $after: String, $order: InvoiceOrder, $filter: InvoiceFilter) {
  invoices(first: $first, after: $after, orderBy: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id } }
  }
}"""
CUSTOMER = """query($id: ID!, $first: Int!, $after: String) {
  customer(id: $id) { invoices(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }
}"""


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> dict[str, Any]:
    """The example, plus DRAFT and OPEN copies of its invoice with ties and nulls in every order field."""
    loaded = example()
    base = record(loaded, "invoices", INVOICE_ID)
    for index in range(7):
        copy = deepcopy(base)
        copy.update(
            id=f"invo_page_{index}",
            status=["DRAFT", "OPEN"][index % 2],
            # Numbers are unique per platform: the number order's ties are among the unnumbered.
            invoice_number=None if index in (3, 5, 6) else f"PAGE-{index}",
            invoice_date=f"2026-0{1 + index % 3}-01T00:00:00Z",
            due_date=None if index % 4 == 0 else f"2026-0{2 + index % 2}-15T00:00:00Z",
            invoice_amount_including_tax={"quantity": f"{10 * (index % 3)}.00", "currency": "EUR"},
        )
        loaded["invoices"].append(copy)
    await load(database, tmp_path, loaded, "example.json")
    return loaded


async def _query(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": query, "variables": variables}, headers=KEY)).json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


async def _walk(client: httpx.AsyncClient, query: str, variables: dict[str, Any], connection: Any) -> tuple[list[str], int]:
    seen: list[str] = []
    after = None
    while True:
        page = connection(await _query(client, query, {**variables, "first": 1, "after": after}))
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return seen, page["totalCount"]
        after = page["pageInfo"]["endCursor"]
        assert len(seen) < 100, "paging does not end"


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", ORDERS)
async def test_walking_pages_lists_the_one_page_answer(client: httpx.AsyncClient, field: str, direction: str) -> None:
    variables = {"order": {"field": field, "direction": direction}}
    whole = (await _query(client, LIST, {**variables, "first": 100}))["invoices"]
    walked, total = await _walk(client, LIST, variables, lambda data: data["invoices"])
    assert walked == [edge["node"]["id"] for edge in whole["edges"]]
    assert total == whole["totalCount"] == len(walked) > 1


@pytest.mark.usefixtures("data")
async def test_a_filtered_walk_and_a_customers_walk(client: httpx.AsyncClient, data: dict[str, Any]) -> None:
    statuses = sorted({i["status"] for i in data["invoices"]})[:2]
    variables = {"filter": {"statuses": statuses}, "order": {"field": "INVOICE_NUMBER", "direction": "ASC"}}
    whole = (await _query(client, LIST, {**variables, "first": 100}))["invoices"]
    walked, _ = await _walk(client, LIST, variables, lambda found: found["invoices"])
    assert walked == [edge["node"]["id"] for edge in whole["edges"]]
    customer = max({i["customer_id"] for i in data["invoices"]}, key=lambda c: sum(i["customer_id"] == c for i in data["invoices"]))
    whole_customer = (await _query(client, CUSTOMER, {"id": customer, "first": 100}))["customer"]["invoices"]
    walked_customer, total = await _walk(client, CUSTOMER, {"id": customer}, lambda found: found["customer"]["invoices"])
    assert walked_customer == [edge["node"]["id"] for edge in whole_customer["edges"]]
    assert total == len(walked_customer)
