"""The customers list a page can use, and Relay's `node(id:)`: filters, search, pages both ways, tenancy, cost.

Given the example data plus customers of every kind (organizations, individuals, statuses, names with
`%`) and a customer of another platform named like ours, when a page lists customers, then it sees its
own platform's only, ordered by reference, filtered and searched as documented, page by page in
either direction, at the same statement count whatever the page size.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.engines import Statements

KEY = {"X-API-KEY": EXAMPLE_KEY}
LIST = """query($filter: CustomerFilter, $first: Int, $after: String, $last: Int, $before: String) {
  customerList(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id reference displayName status } }
  }
}"""
PEOPLE = [
    # (id, reference, status, organization legal name | (first, last) of an individual)
    ("cust_acme_1", "acme-industries", "ACTIVE", "Acme Industries BV"),
    ("cust_acme_2", "bluth", "ARCHIVED", "Bluth Company"),
    ("cust_acme_3", "cyberdyne", "ACTIVE", "Cyberdyne Systems"),
    ("cust_acme_4", "dupont", "DRAFT", ("Marie", "Dupont")),
    ("cust_acme_5", "eriksen", "ACTIVE", ("Lars", "Eriksen")),
    ("cust_acme_6", "fifty-pct", "ACTIVE", "Fifty 50% Deals"),
    ("cust_acme_7", "gringotts", "CLOSED", "Gringotts Bank"),
]


@pytest.fixture
async def customers(database: Database, tmp_path: Path) -> dict[str, Any]:
    data = example()
    base = data["customers"][0]
    for customer_id, reference, status, name in PEOPLE:
        customer = {**copy.deepcopy(base), "id": customer_id, "reference": reference, "status": status}
        if isinstance(name, tuple):
            customer.pop("organization", None)
            customer.update(type="INDIVIDUAL", individual={"name": {"first_name": name[0], "last_name": name[1]}})
        else:
            customer["organization"] = {**customer["organization"], "legal_name": name}
        data["customers"].append(customer)
    # Another tenant, with a customer that every search below would find if tenancy leaked
    data["platforms"].append({**data["platforms"][0], "id": "plat_other", "name": "Other", "default_billing_entity_id": None})
    data["customers"].append({**copy.deepcopy(base), "id": "cust_other", "platform_id": "plat_other", "reference": "acme-other"})
    await load(database, tmp_path, data, "customers.json")
    return data


async def _list(client: httpx.AsyncClient, **variables: Any) -> dict[str, Any]:
    body = (await client.post("/graphql", json={"query": LIST, "variables": variables}, headers=KEY)).json()
    assert "errors" not in body, body
    connection: dict[str, Any] = body["data"]["customerList"]
    return connection


def _references(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["reference"] for edge in connection["edges"]]


@pytest.mark.usefixtures("customers")
async def test_the_list_is_the_platforms_customers_by_reference(client: httpx.AsyncClient) -> None:
    whole = await _list(client, first=100)
    assert _references(whole) == sorted(["globex", *(reference for _, reference, _, _ in PEOPLE)])
    assert whole["totalCount"] == len(PEOPLE) + 1
    assert "acme-other" not in _references(whole)
    names = {edge["node"]["reference"]: edge["node"]["displayName"] for edge in whole["edges"]}
    assert names["dupont"] == "Marie Dupont"
    assert names["globex"] == "Globex BV"


@pytest.mark.usefixtures("customers")
async def test_pages_forward_and_backward_are_the_whole_list(client: httpx.AsyncClient) -> None:
    whole = _references(await _list(client, first=100))
    forward: list[str] = []
    after = None
    while True:
        page = await _list(client, first=3, after=after)
        forward += _references(page)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    backward: list[str] = []
    before = None
    while True:
        page = await _list(client, last=3, before=before)
        backward = _references(page) + backward
        if not page["pageInfo"]["hasPreviousPage"]:
            break
        before = page["pageInfo"]["startCursor"]
    assert forward == whole == backward


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("customer_filter", "expected"),
    [
        ({"statuses": ["ACTIVE"]}, ["acme-industries", "cyberdyne", "eriksen", "fifty-pct", "globex"]),
        ({"statuses": ["ARCHIVED", "CLOSED"]}, ["bluth", "gringotts"]),
        ({"search": "ACME"}, ["acme-industries"]),  # reference or name, any case; never the other platform's
        ({"search": "systems"}, ["cyberdyne"]),  # organization legal name
        ({"search": "marie"}, ["dupont"]),  # individual's first name
        ({"search": "eriks"}, ["eriksen"]),  # individual's last name (and reference)
        ({"search": "50%"}, ["fifty-pct"]),  # `%` is a character, not a wildcard
        ({"search": "_"}, []),
        ({"search": "  bank  "}, ["gringotts"]),
        ({"statuses": ["ACTIVE"], "search": "globex"}, ["globex"]),
    ],
)
async def test_filter_by_status_and_search(client: httpx.AsyncClient, customer_filter: dict[str, Any], expected: list[str]) -> None:
    found = await _list(client, filter=customer_filter, first=100)
    assert _references(found) == expected
    assert found["totalCount"] == len(expected)


@pytest.mark.usefixtures("customers")
async def test_a_cursor_of_another_filter_or_not_ours_is_invalid_field(client: httpx.AsyncClient) -> None:
    cursor = (await _list(client, first=1))["pageInfo"]["endCursor"]
    for variables, field in [
        ({"filter": {"search": "a"}, "first": 1, "after": cursor}, "after"),
        ({"last": 1, "before": "not-a-cursor!"}, "before"),
        ({"first": 1, "after": "A" * 5000}, "after"),
        ({"filter": {"search": "x" * 101}, "first": 1}, "filter.search"),
    ]:
        body = (await client.post("/graphql", json={"query": LIST, "variables": variables}, headers=KEY)).json()
        (error,) = body["errors"]
        assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_FIELD", field), variables


@pytest.mark.usefixtures("customers")
async def test_a_page_costs_the_same_statements_whatever_its_size(client: httpx.AsyncClient, database: Database) -> None:
    spent = []
    for size in (1, 8):
        # Warm: the key's last use is written at most every few minutes, and the key is then cached.
        await _list(client, first=size)
        before = Statements.of(database)
        page = await _list(client, first=size)
        spent.append((Statements.of(database) - before).total)
        assert len(page["edges"]) == size
    # The page and the count (the credential comes from the server's cache)
    assert spent == [2, 2]


NODE = """query($id: ID!) { node(id: $id) { __typename id ... on Customer { reference } ... on Invoice { status } } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"""


@pytest.mark.usefixtures("customers")
@pytest.mark.parametrize(
    ("node_id", "expected"),
    [
        ("cust_acme_3", {"__typename": "Customer", "id": "cust_acme_3", "reference": "cyberdyne"}),
        (INVOICE_ID, {"__typename": "Invoice", "id": INVOICE_ID, "status": "DRAFT"}),
        ("cust_other", None),  # another platform's: the same answer as a missing one
        ("cust_missing", None),
        ("zzzz_unknown_kind", None),
    ],
)
async def test_node_finds_a_record_by_its_id_alone(client: httpx.AsyncClient, node_id: str, expected: dict[str, Any] | None) -> None:
    body = (await client.post("/graphql", json={"query": NODE, "variables": {"id": node_id}}, headers=KEY)).json()
    assert body == {"data": {"node": expected}}


@pytest.mark.usefixtures("customers")
async def test_nodes_keep_their_order_and_cost_one_statement_per_kind(client: httpx.AsyncClient, database: Database) -> None:
    ids = ["cust_acme_1", INVOICE_ID, "cust_other", "cust_acme_2", "nope_1", "cust_acme_3"]
    await client.post("/graphql", json={"query": NODES, "variables": {"ids": ids[:1]}}, headers=KEY)
    before = Statements.of(database)
    body = (await client.post("/graphql", json={"query": NODES, "variables": {"ids": ids}}, headers=KEY)).json()
    spent = (Statements.of(database) - before).total
    assert body["data"]["nodes"] == [
        {"__typename": "Customer", "id": "cust_acme_1"},
        {"__typename": "Invoice", "id": INVOICE_ID},
        None,
        {"__typename": "Customer", "id": "cust_acme_2"},
        None,
        {"__typename": "Customer", "id": "cust_acme_3"},
    ]
    assert spent <= 3  # the credential, then customers and invoices (one statement each, or folded into one)


@pytest.mark.usefixtures("customers")
async def test_nodes_refuses_more_ids_than_a_page(client: httpx.AsyncClient) -> None:
    body = (
        await client.post("/graphql", json={"query": NODES, "variables": {"ids": [f"cust_{i}" for i in range(101)]}}, headers=KEY)
    ).json()
    (error,) = body["errors"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == ("INVALID_FIELD", "ids")
