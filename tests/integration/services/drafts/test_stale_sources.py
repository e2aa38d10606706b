"""`Invoice.staleSources` against the preview, on generated changes, and its cost on a page of invoices."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from invoicegraph.db.engine import Database
from tests.support.api import Api
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record
from tests.support.engines import Statements

TYPES = ("FULL", "CUSTOMER", "BILLING_ENTITY", "CUSTOM_FIELD", "PAYMENT_ACCEPTOR", "PO_NUMBER", "TAX_RATES")
STALE = "query($id: ID!) { invoice(id: $id) { version staleSources } }"
PREVIEW = "query($id: ID!, $types: [InvoiceRefreshType!]) { invoiceRefreshPreview(id: $id, types: $types) { changes { path } } }"
FULL = "mutation($id: ID!) { refreshInvoice(id: $id, types: [FULL]) { version } }"
Change = Callable[[dict[str, Any], random.Random, int], None]


def _email(data: dict[str, Any], rng: random.Random, step: int) -> None:
    record(data, "customers", "cust_globex")["email"] = f"billing{step}@globex.example"


def _custom_field(data: dict[str, Any], rng: random.Random, step: int) -> None:
    record(data, "customers", "cust_globex")["custom_fields"] = [{"reference": "cost_center", "value": f"CC-{step}"}]


def _entity_name(data: dict[str, Any], rng: random.Random, step: int) -> None:
    record(data, "billing_entities", "enti_nl")["legal_name"] = f"Acme Billing {step} BV"


def _po_number(data: dict[str, Any], rng: random.Random, step: int) -> None:
    record(data, "subscriptions", "psub_globex")["purchase_order_number"] = f"PO-{9000 + step}"


def _tax_rates(data: dict[str, Any], rng: random.Random, step: int) -> None:
    # Both countries' standard rates, to a value no earlier step used: whichever the invoice uses changes.
    for rate in data["tax_rates"]:
        if rate["category"] == "STANDARD":
            rate["percentage"] = str(22 + step)


def _late_usage(data: dict[str, Any], rng: random.Random, step: int) -> None:
    first = data["usage_events"][0]
    data["usage_events"].append(
        {**first, "reference": f"evt-late-{step}", "value": str(rng.randint(1, 500)), "timestamp": "2026-11-20T10:00:00Z"}
    )


def _price(data: dict[str, Any], rng: random.Random, step: int) -> None:
    record(data, "pricing_plans", "ppln_std")["items"][0]["price"] = f"{rng.randint(50, 90)}.00"


def _coupon(data: dict[str, Any], rng: random.Random, step: int) -> None:
    record(data, "coupons", "coup_launch")["discount"]["percentage"] = str(rng.randint(5, 15) + 20)


CHANGES: tuple[Change, ...] = (_email, _custom_field, _entity_name, _po_number, _tax_rates, _late_usage, _price, _coupon)


async def _stale(api: Api) -> list[str]:
    body = await api.graphql(STALE, {"id": INVOICE_ID})
    assert "errors" not in body, body
    stale: list[str] = body["data"]["invoice"]["staleSources"]
    return stale


async def _previewed(api: Api) -> list[str]:
    found = []
    for name in TYPES:
        body = await api.graphql(PREVIEW, {"id": INVOICE_ID, "types": [name]})
        assert "errors" not in body, body
        if body["data"]["invoiceRefreshPreview"]["changes"]:
            found.append(name)
    return found


async def test_stale_sources_equal_the_types_whose_preview_changes_on_generated_changes(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    del record(data, "customers", "cust_globex")["organization"]["tax_id"]  # taxed, so tax rates matter
    await load(database, tmp_path, data, "taxed.json")
    await api.graphql(FULL, {"id": INVOICE_ID})
    assert await _stale(api) == await _previewed(api) == []
    rng = random.Random(21)
    seen: set[str] = set()
    for step in range(8):
        for change in rng.sample(CHANGES, rng.randint(1, 3)):
            change(data, rng, step)
        await load(database, tmp_path, {**data, "invoices": []}, f"step{step}.json")
        previewed = await _previewed(api)
        assert await _stale(api) == previewed, f"step {step}"
        seen.update(previewed)
        # Refresh one part only, sometimes: the others stay stale, exactly as their previews say.
        if "CUSTOMER" in previewed and rng.random() < 0.5:
            await api.refresh(INVOICE_ID, ["CUSTOMER"])
            assert await _stale(api) == await _previewed(api), f"step {step}, after CUSTOMER"
        await api.graphql(FULL, {"id": INVOICE_ID})
        assert await _stale(api) == [], f"step {step}, after FULL"
    assert seen == set(TYPES) - {"PAYMENT_ACCEPTOR"}, seen  # every kind of change was generated and seen


async def test_an_acceptor_the_subscription_names_is_compared_exactly(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    acceptor = data["payment_acceptors"][0]
    data["payment_acceptors"].append({**acceptor, "id": "paya_second", "reference": "second"})
    record(data, "subscriptions", "psub_globex")["payment_acceptor_ids"] = ["paya_second", "paya_bank"]
    await load(database, tmp_path, {**data, "invoices": []}, "acceptors.json")
    assert await _stale(api) == await _previewed(api)
    assert "PAYMENT_ACCEPTOR" in await _stale(api)


def _many(size: int) -> dict[str, Any]:
    data = example()
    base = record(data, "invoices", INVOICE_ID)
    data["invoices"] = [{**base, "id": f"invo_many_{i:03d}"} for i in range(size)]
    return data


async def _count(database: Database, client: httpx.AsyncClient, query: str) -> tuple[int, dict[str, Any]]:
    headers = {"X-API-KEY": EXAMPLE_KEY}
    await client.post("/graphql", json={"query": '{ invoice(id: "warm-up") { id } }'}, headers=headers)
    before = Statements.of(database)
    body: dict[str, Any] = (await client.post("/graphql", json={"query": query}, headers=headers)).json()
    assert "errors" not in body, body["errors"][:3]
    return (Statements.of(database) - before).total, body


async def test_a_page_of_100_reads_stale_sources_in_the_statements_of_a_page_of_5(
    client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    data = _many(100)
    await load(database, tmp_path, data, "many.json")
    record(data, "customers", "cust_globex")["email"] = "new@globex.example"
    await load(database, tmp_path, {**data, "invoices": []}, "changed.json")
    query = "{ invoices(first: %d) { edges { node { id staleSources } } } }"
    plain, _ = await _count(database, client, "{ invoices(first: 100) { edges { node { id } } } }")
    five, _ = await _count(database, client, query % 5)
    hundred, large = await _count(database, client, query % 100)
    assert len(large["data"]["invoices"]["edges"]) == 100
    assert {tuple(edge["node"]["staleSources"]) for edge in large["data"]["invoices"]["edges"]} == {("FULL", "CUSTOMER")}
    assert five == hundred
    assert hundred - plain <= 4, (plain, hundred)  # the page's records, audits and table markers, usage, acceptors
