"""`GET /v1/invoices`: the vendor's page-based list (vendor-invoice.md §2.4, §4.8)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest

from invoicegraph.db.engine import Database
from tests.support.data import EXAMPLE_KEY, example, load
from tests.support.engines import Statements, assert_read_where_routed

SCHEMAS = Path(__file__).parent.parent / "support" / "schemas"
INVOICE_SCHEMA = json.loads((SCHEMAS / "vendor-invoice.schema.json").read_text())
KEY = {"X-API-KEY": EXAMPLE_KEY}


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> dict[str, Any]:
    loaded = example()
    await load(database, tmp_path, loaded, "example.json")
    return loaded


def _page(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"data", "page", "limit", "total_number_of_pages", "links"}
    for invoice in body["data"]:
        jsonschema.validate(invoice, INVOICE_SCHEMA)
    return body


def _platform_invoices(data: dict[str, Any], platform: str) -> list[dict[str, Any]]:
    return [i for i in data["invoices"] if i["platform_id"] == platform]


@pytest.mark.usefixtures("data")
async def test_items_are_the_invoices_as_get_by_id_answers_them(client: httpx.AsyncClient) -> None:
    body = _page(await client.get("/v1/invoices", headers=KEY))
    assert body["page"] == 1
    assert body["limit"] == 25
    assert body["data"], "the example platform has invoices"
    for item in body["data"]:
        single = await client.get(f"/v1/invoices/{item['id']}", headers=KEY)
        assert single.json() == item


async def test_pages_walk_every_invoice_once_in_the_default_order(client: httpx.AsyncClient, data: dict[str, Any]) -> None:
    first = _page(await client.get("/v1/invoices", params={"limit": 1}, headers=KEY))
    platform = first["data"][0]["platform_id"]
    expected = len(_platform_invoices(data, platform))
    assert first["total_number_of_pages"] == expected
    assert first["links"]["previous"] is None
    seen = [first["data"][0]]
    link = first["links"]["next"]
    while link is not None:
        page = _page(await client.get(link, headers=KEY))
        seen += page["data"]
        link = page["links"]["next"]
    assert len({i["id"] for i in seen}) == expected == len(seen)
    dates = [(i["invoice_date"], i["id"]) for i in seen]
    assert dates == sorted(dates, reverse=True)  # invoice_date desc, ties by id desc


async def test_filters_and_order(client: httpx.AsyncClient, data: dict[str, Any]) -> None:
    everything = _page(await client.get("/v1/invoices", params={"limit": 100}, headers=KEY))["data"]
    drafts = _page(await client.get("/v1/invoices", params=[("statuses[]", "DRAFT"), ("limit", "100")], headers=KEY))["data"]
    assert {i["id"] for i in drafts} == {i["id"] for i in everything if i["status"] == "DRAFT"}
    customer = everything[0]["customer_id"]
    mine = _page(await client.get("/v1/invoices", params={"customer_id": customer, "limit": 100}, headers=KEY))["data"]
    assert {i["id"] for i in mine} == {i["id"] for i in everything if i["customer_id"] == customer}
    ascending = _page(
        await client.get("/v1/invoices", params={"order_by": "invoice_date", "order_direction": "asc", "limit": 100}, headers=KEY)
    )["data"]
    assert [i["id"] for i in ascending] == [i["id"] for i in reversed(everything)]


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"page": "0"}, "page"),
        ({"statuses[]": "SENT"}, "statuses"),
        ({"order_by": "amount"}, "order_by"),
        ({"order_direction": "up"}, "order_direction"),
        ({"paid": "yes"}, "paid"),
    ],
)
async def test_bad_parameters_are_invalid_field(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/v1/invoices", params=params, headers=KEY)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "INVALID_FIELD"
    assert response.json()["field"] == field


@pytest.mark.usefixtures("data")
async def test_needs_a_credential_and_a_version(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/invoices")).status_code == 401
    assert (await client.get("/v2/invoices", headers=KEY)).json()["code"] == "UNSUPPORTED_VERSION"


@pytest.mark.usefixtures("data")
async def test_statements_do_not_grow_with_the_page(client: httpx.AsyncClient, database: Database) -> None:
    await client.get("/v1/invoices", params={"limit": 1}, headers=KEY)  # the key's last_used_at, the replica's check
    before = Statements.of(database)
    _page(await client.get("/v1/invoices", params={"limit": 100}, headers=KEY))
    # The key, the page, the count, and at most one batch per embedded record type (customers twice:
    # processing-only and forwarded-from), whatever the number of invoices.
    spent = Statements.of(database) - before
    assert spent.total <= 3 + 5
    assert_read_where_routed(database, spent)
