"""`GET /v1/invoices`: the vendor's page-based list (docs/rest.md)."""

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

SCHEMAS = Path(__file__).parents[2] / "support" / "schemas"
INVOICE_SCHEMA = json.loads((SCHEMAS / "vendor-invoice.schema.json").read_text())
# The vendor's list leaves periods out unless `include_periods=true` (docs/rest.md).
LIST_ITEM_SCHEMA = {**INVOICE_SCHEMA, "required": [k for k in INVOICE_SCHEMA["required"] if k not in ("periods", "closed_periods")]}
PERIOD_KEYS = ("periods", "closed_periods")
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
        jsonschema.validate(invoice, INVOICE_SCHEMA if "periods" in invoice else LIST_ITEM_SCHEMA)
        assert ("periods" in invoice) == ("include_periods=true" in str(response.url))
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
        single = (await client.get(f"/v1/invoices/{item['id']}", headers=KEY)).json()
        assert {k: v for k, v in single.items() if k not in PERIOD_KEYS} == item
    whole = _page(await client.get("/v1/invoices", params={"include_periods": "true", "include_lines": "true"}, headers=KEY))
    for item in whole["data"]:
        assert (await client.get(f"/v1/invoices/{item['id']}", headers=KEY)).json() == item


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
async def test_needs_a_credential_and_a_version(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/invoices")).status_code == 401
    assert (await client.get("/v2/invoices", headers=KEY)).json()["code"] == "UNSUPPORTED_VERSION"


@pytest.mark.usefixtures("data")
async def test_statements_do_not_grow_with_the_page(client: httpx.AsyncClient, database: Database) -> None:
    # The key's last_used_at and its place in the credential cache, the replica's check.
    await client.get("/v1/invoices", params={"limit": 1}, headers=KEY)
    before = Statements.of(database)
    _page(await client.get("/v1/invoices", params={"limit": 100}, headers=KEY))
    # The page, the count, and at most one batch per embedded record type (customers twice:
    # processing-only and forwarded-from), whatever the number of invoices; the key is cached.
    spent = Statements.of(database) - before
    assert spent.total <= 2 + 5
    assert_read_where_routed(database, spent, credential_checks=0)


@pytest.fixture
async def months(database: Database, tmp_path: Path) -> dict[str, Any]:
    """The example, plus the same invoice a month earlier without its subscription and a month later."""
    loaded = example()
    invoice = loaded["invoices"][0]
    earlier = {**invoice, "id": "invo_earlier", "invoice_date": "2026-11-01T00:00:00Z", "pricing_plan_subscription_ids": []}
    later = {**invoice, "id": "invo_later", "invoice_date": "2027-01-01T00:00:00Z"}
    loaded["invoices"] += [earlier, later]
    await load(database, tmp_path, loaded, "months.json")
    return loaded


async def _ids(client: httpx.AsyncClient, **params: str) -> list[str]:
    return [i["id"] for i in _page(await client.get("/v1/invoices", params=params, headers=KEY))["data"]]


@pytest.mark.usefixtures("months")
async def test_subscription_filter(client: httpx.AsyncClient) -> None:
    assert await _ids(client, pricing_plan_subscription_id="psub_globex") == ["invo_later", "invo_globex_2026_11"]
    assert await _ids(client, pricing_plan_subscription_id="psub_other") == []


@pytest.mark.usefixtures("months")
@pytest.mark.parametrize(
    ("invoice_date", "expected"),
    [
        # `from` is included, `to` excluded: the GraphQL filter's DateTimeRange.
        ("[2026-12-01T00:00:00Z,2027-01-01T00:00:00Z]", ["invo_globex_2026_11"]),
        ("[2026-11-01T00:00:00Z,2026-12-01T00:00:00Z]", ["invo_earlier"]),
        ("[2026-12-01T00:00:00Z,]", ["invo_later", "invo_globex_2026_11"]),
        ("[,2026-12-01T00:00:00Z]", ["invo_earlier"]),
        ("[2026-12-01T01:00:00+01:00, 2026-12-01T00:00:01Z]", ["invo_globex_2026_11"]),
    ],
)
async def test_invoice_date_range_is_half_open(client: httpx.AsyncClient, invoice_date: str, expected: list[str]) -> None:
    assert await _ids(client, invoice_date=invoice_date) == expected


@pytest.mark.usefixtures("months")
async def test_filters_combine_and_the_links_keep_them(client: httpx.AsyncClient) -> None:
    params = {"pricing_plan_subscription_id": "psub_globex", "invoice_date": "[2026-11-01T00:00:00Z,]", "limit": "1"}
    first = _page(await client.get("/v1/invoices", params=params, headers=KEY))
    assert first["total_number_of_pages"] == 2
    second = _page(await client.get(first["links"]["next"], headers=KEY))
    assert [first["data"][0]["id"], second["data"][0]["id"]] == ["invo_later", "invo_globex_2026_11"]


@pytest.mark.usefixtures("data")
async def test_periods_and_lines_only_when_asked_for(client: httpx.AsyncClient) -> None:
    whole = _page(await client.get("/v1/invoices", params={"include_periods": "true", "include_lines": "true"}, headers=KEY))
    (item,) = whole["data"]
    assert item == (await client.get(f"/v1/invoices/{item['id']}", headers=KEY)).json()  # asked for: GET's whole item
    without_periods = [{k: v for k, v in item.items() if k not in PERIOD_KEYS}]
    assert _page(await client.get("/v1/invoices", headers=KEY))["data"] == without_periods  # the vendor's default
    response = await client.get("/v1/invoices", params={"include_periods": "false", "include_lines": "true"}, headers=KEY)
    assert response.json()["data"] == without_periods
    response = await client.get("/v1/invoices", params={"include_periods": "true"}, headers=KEY)
    (no_lines,) = response.json()["data"]
    groups = [group for period in no_lines["periods"] for group in period["groups"]]
    assert groups
    assert not any("lines" in group for group in groups)
    assert {k: v for k, v in no_lines.items() if k != "periods"} == {k: v for k, v in item.items() if k != "periods"}


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
        # Beyond what OFFSET's 64 bits hold: once a 500 (OverflowError) on SQLite.
        ({"page": "922337203685477580"}, "page"),
        ({"page": "9223372036854775809", "limit": "1"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"limit": "9" * 5000}, "limit"),
        # ASCII digits only: Python's int() takes all of these.
        ({"limit": "５"}, "limit"),
        ({"limit": "5_0"}, "limit"),
        ({"limit": " 5"}, "limit"),
        ({"limit": "+5"}, "limit"),
        ({"page": "٢"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": ""}, "page"),
        ({"customerid": "cust_globex"}, "customerid"),
        ({"expand[]": "customer"}, "expand[]"),
        ({"pricing_plan_subscription_id": ""}, "pricing_plan_subscription_id"),
        ({"customer_id": "c" * 65}, "customer_id"),
        ({"invoice_date": "2026-12-01T00:00:00Z"}, "invoice_date"),
        ({"invoice_date": "[2026-12-01,2027-01-01]"}, "invoice_date"),
        ({"invoice_date": "[2026-12-01T00:00:00,]"}, "invoice_date"),
        ({"invoice_date": "[2026-12-01T00:00:00.5Z,]"}, "invoice_date"),
        ({"invoice_date": "[2026-12-01T00:00:00 01:00,]"}, "invoice_date"),  # an unencoded + arrives as a space
        ({"invoice_date": "[2027-01-01T00:00:00Z,2026-12-01T00:00:00Z]"}, "invoice_date"),
        ({"invoice_date": "[2026-12-01T00:00:00Z,2026-12-01T00:00:00Z]"}, "invoice_date"),
        ({"invoice_date": "[a,b,c]"}, "invoice_date"),
        ({"include_lines": "yes"}, "include_lines"),
    ],
)
async def test_malformed_and_unknown_parameters_are_invalid_field(client: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    response = await client.get("/v1/invoices", params=params, headers=KEY)
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["code"], body["field"]) == ("INVALID_FIELD", field)
    assert len(body["message"]) < 400  # what was sent is shown shortened


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(("page", "limit"), [(9223372036854775807 // 100 + 1, 100), (9223372036854775807 + 1, 1), (1, 100)])
async def test_the_last_page_that_fits_64_bits_is_answered(client: httpx.AsyncClient, page: int, limit: int) -> None:
    body = _page(await client.get("/v1/invoices", params={"page": str(page), "limit": str(limit)}, headers=KEY))
    assert (body["page"], body["limit"]) == (page, limit)
    assert len(body["data"]) == (1 if page == 1 else 0)
    assert (await client.get("/v1/invoices", params={"page": str(page + 1), "limit": str(limit)}, headers=KEY)).status_code == (
        200 if page == 1 else 400
    )


@pytest.mark.usefixtures("data")
async def test_messages_show_what_was_sent_as_json(client: httpx.AsyncClient) -> None:
    message = (await client.get("/v1/invoices", params={"paid": "yes"}, headers=KEY)).json()["message"]
    assert message == '`paid` must be true or false, got "yes".'
    message = (await client.get("/v1/invoices", params={"limit": "x" * 500}, headers=KEY)).json()["message"]
    assert f'got "{"x" * 100}…".' in message
