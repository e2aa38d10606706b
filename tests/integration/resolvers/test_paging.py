"""Keyset paging of the invoice connections: walking page by page gives the one-page answer.

For every order field and both directions, `invoices(first: 1, after: …)` followed to the end must
list exactly the invoices of one large page, in the same order; the same for a filtered list and for
`Customer.invoices`. Page statements are built once per (query, first, after) and cached
(db/invoice_queries.py), so this also shows that a cached statement never answers another cursor.
"""

from __future__ import annotations

import base64
import json
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


NULLABLE = """query($order: InvoiceOrder, $last: Int, $first: Int) {
  invoices(first: $first, last: $last, orderBy: $order) { edges { node { id invoiceNumber dueDate } } }
}"""


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize(("field", "key"), [("INVOICE_NUMBER", "invoiceNumber"), ("DUE_DATE", "dueDate")])
async def test_invoices_without_the_order_value_come_last_in_both_directions(
    client: httpx.AsyncClient, field: str, key: str, direction: str
) -> None:
    # The statement orders by the value and the id only, leaving each database's own NULL placement where
    # it agrees (db/invoice_queries.py `_ordering`); forward and backward pages must both keep them last.
    order = {"field": field, "direction": direction}
    forward = [edge["node"] for edge in (await _query(client, NULLABLE, {"order": order, "first": 100}))["invoices"]["edges"]]
    backward = [edge["node"] for edge in (await _query(client, NULLABLE, {"order": order, "last": 100}))["invoices"]["edges"]]
    values = [node[key] for node in forward]
    assert None in values
    assert values[values.index(None) :] == [None] * (len(values) - values.index(None)), values
    present = [value for value in values if value is not None]
    assert present == sorted(present, reverse=direction == "DESC")
    assert [node["id"] for node in backward] == [node["id"] for node in forward]


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


BACKWARD = """query($last: Int, $before: String, $order: InvoiceOrder) {
  invoices(last: $last, before: $before, orderBy: $order) {
    totalCount pageInfo { hasPreviousPage hasNextPage startCursor } edges { cursor node { id } }
  }
}"""
CUSTOMER_BACKWARD = """query($id: ID!, $last: Int, $before: String) {
  customer(id: $id) { invoices(last: $last, before: $before) { pageInfo { hasPreviousPage startCursor } edges { node { id } } } }
}"""


async def _walk_back(client: httpx.AsyncClient, query: str, variables: dict[str, Any], connection: Any) -> list[str]:
    seen: list[str] = []
    before = None
    while True:
        page = connection(await _query(client, query, {**variables, "last": 2, "before": before}))
        seen = [edge["node"]["id"] for edge in page["edges"]] + seen
        if not page["pageInfo"]["hasPreviousPage"]:
            return seen
        before = page["pageInfo"]["startCursor"]
        assert len(seen) < 100, "paging does not end"


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
@pytest.mark.parametrize("field", ORDERS)
async def test_walking_backward_from_the_end_lists_the_one_page_answer(client: httpx.AsyncClient, field: str, direction: str) -> None:
    # Given the whole list in one page
    variables = {"order": {"field": field, "direction": direction}}
    whole = [edge["node"]["id"] for edge in (await _query(client, LIST, {**variables, "first": 100}))["invoices"]["edges"]]

    # When it is walked backward, `last: 2` pages from the end, each before the previous page's start
    walked = await _walk_back(client, BACKWARD, variables, lambda data: data["invoices"])

    # Then the pages put together are the same list, in the same order
    assert walked == whole


@pytest.mark.usefixtures("data")
async def test_backward_and_forward_cursors_meet(client: httpx.AsyncClient) -> None:
    # A page read forward, then the page before its start cursor: the two touch without overlap.
    order = {"field": "INVOICE_DATE", "direction": "DESC"}
    whole = [edge["node"]["id"] for edge in (await _query(client, LIST, {"order": order, "first": 100}))["invoices"]["edges"]]
    second = (await _query(client, LIST, {"order": order, "first": 3, "after": None}))["invoices"]
    later = (await _query(client, LIST, {"order": order, "first": 3, "after": second["pageInfo"]["endCursor"]}))["invoices"]
    start = later["edges"][0]["cursor"]
    back = (await _query(client, BACKWARD, {"order": order, "last": 3, "before": start}))["invoices"]
    assert [edge["node"]["id"] for edge in back["edges"]] == whole[:3]
    assert back["pageInfo"] == {"hasPreviousPage": False, "hasNextPage": True, "startCursor": back["edges"][0]["cursor"]}


async def test_a_customers_invoices_walk_backward(client: httpx.AsyncClient, data: dict[str, Any]) -> None:
    customer = max({i["customer_id"] for i in data["invoices"]}, key=lambda c: sum(i["customer_id"] == c for i in data["invoices"]))
    whole = (await _query(client, CUSTOMER, {"id": customer, "first": 100}))["customer"]["invoices"]
    walked = await _walk_back(client, CUSTOMER_BACKWARD, {"id": customer}, lambda found: found["customer"]["invoices"])
    assert walked == [edge["node"]["id"] for edge in whole["edges"]]
    assert len(walked) > 2


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ("first: 2, last: 2", "last"),
        ('after: "x", before: "y"', "before"),
        ('last: 2, after: "x"', "before"),
        ("last: 101", "last"),
        ("last: -1", "last"),
    ],
)
async def test_a_page_goes_one_way(client: httpx.AsyncClient, arguments: str, field: str) -> None:
    body = (await client.post("/graphql", json={"query": f"{{ invoices({arguments}) {{ totalCount }} }}"}, headers=KEY)).json()
    (error,) = body["errors"]
    assert error["extensions"]["code"] == "INVALID_FIELD"
    assert error["extensions"]["field"] == field


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor(payload: Any) -> str:
    return _b64(json.dumps(payload).encode())


# Cursors a client could send that are not ours: each is INVALID_FIELD naming the argument, on every
# backend (before: some reached SQL as a value of the wrong type and answered INTERNAL_ERROR).
TAMPERED = {
    "not base64": "%%%not-a-cursor%%%",
    "base64 of junk": _b64(b"\xff\xfe junk"),
    "a JSON array": _cursor([1, 2, 3]),
    "no key": _cursor({"f": "x"}),
    "a short key": _cursor({"f": "x", "k": [0, None]}),
    "a boolean null flag": _cursor({"f": "x", "k": [True, {"t": "2026-01-01T00:00:00+00:00"}, "invo_x"]}),
    "an id that is a number": _cursor({"f": "x", "k": [0, {"t": "2026-01-01T00:00:00+00:00"}, 7]}),
    "an id with a NUL": _cursor({"f": "x", "k": [0, {"t": "2026-01-01T00:00:00+00:00"}, "invo_\u0000"]}),
    "a naive instant": _cursor({"f": "x", "k": [0, {"t": "2026-01-01T00:00:00"}, "invo_x"]}),
    "an instant that is a list": _cursor({"f": "x", "k": [0, [1, 2], "invo_x"]}),
    "an instant that is not one": _cursor({"f": "x", "k": [0, {"t": "yesterday"}, "invo_x"]}),
    "a huge cursor": "A" * 5000,
}


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("argument", ["after", "before"])
@pytest.mark.parametrize("shape", list(TAMPERED))
async def test_a_tampered_invoice_cursor_is_invalid_field(client: httpx.AsyncClient, shape: str, argument: str) -> None:
    order = {"field": "INVOICE_DATE", "direction": "DESC"}
    fingerprint = json.loads(base64.urlsafe_b64decode(_first_cursor_padded(await _query(client, LIST, {"order": order, "first": 1}))))["f"]
    cursor = _with_fingerprint(TAMPERED[shape], fingerprint)
    size = "first" if argument == "after" else "last"
    query = f"query($c: String, $order: InvoiceOrder) {{ invoices({size}: 1, {argument}: $c, orderBy: $order) {{ totalCount edges {{ node {{ id }} }} }} }}"
    body = (await client.post("/graphql", json={"query": query, "variables": {"c": cursor, "order": order}}, headers=KEY)).json()
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_FIELD", argument), error


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("order_field", "value"),
    [
        ("INVOICE_AMOUNT_INCLUDING_TAX", {"d": "NaN"}),
        ("INVOICE_AMOUNT_INCLUDING_TAX", {"d": "1e999999"}),
        ("INVOICE_AMOUNT_INCLUDING_TAX", {"d": "0.0000000000001"}),
        ("STATUS", 2**70),
        ("STATUS", "DRAFT"),
        ("INVOICE_NUMBER", "INV\u0000"),
        ("INVOICE_NUMBER", {"t": "2026-01-01T00:00:00+00:00"}),
    ],
)
async def test_a_cursor_value_of_the_wrong_kind_for_its_order_is_invalid_field(
    client: httpx.AsyncClient, order_field: str, value: Any
) -> None:
    order = {"field": order_field, "direction": "ASC"}
    fingerprint = json.loads(base64.urlsafe_b64decode(_first_cursor_padded(await _query(client, LIST, {"order": order, "first": 1}))))["f"]
    cursor = _cursor({"f": fingerprint, "k": [0, value, "invo_x"]})
    query = "query($c: String, $order: InvoiceOrder) { invoices(first: 1, after: $c, orderBy: $order) { edges { node { id } } } }"
    body = (await client.post("/graphql", json={"query": query, "variables": {"c": cursor, "order": order}}, headers=KEY)).json()
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_FIELD", "after"), error


def _first_cursor_padded(data: dict[str, Any]) -> str:
    cursor: str = data["invoices"]["edges"][0]["cursor"]
    return cursor + "=" * (-len(cursor) % 4)


def _with_fingerprint(cursor: str, fingerprint: str) -> str:
    """The tampered cursor with the real fingerprint where it has the placeholder, so only the tampering is wrong."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except ValueError:
        return cursor
    if isinstance(payload, dict) and payload.get("f") == "x":
        return _cursor({**payload, "f": fingerprint})
    return cursor


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("cursor", ["%%%", _b64(b"rfsh_\x00bad"), _b64(b"\xff\xfe"), "A" * 500])
async def test_a_tampered_history_cursor_is_invalid_field(client: httpx.AsyncClient, cursor: str) -> None:
    query = "query($id: ID!, $c: String) { invoice(id: $id) { refreshHistory(first: 1, after: $c) { totalCount } } }"
    body = (await client.post("/graphql", json={"query": query, "variables": {"id": INVOICE_ID, "c": cursor}}, headers=KEY)).json()
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_FIELD", "after"), error
