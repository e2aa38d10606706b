"""Statement budgets (counted with each engine's SQLAlchemy hook): a query's cost does not grow with
the length of its lists.

Counted over every engine of the `Database`, so a budget means the same on every backend; on the
replica backend the per-engine counts also show where each request ran: a query's statements on the
replica (the primary checks only a credential the server has not cached), a mutation's on the primary alone.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record
from tests.support.engines import Statements, assert_read_where_routed, assert_written_on_primary
from tests.support.graph_query import full_selection

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
ZERO = {"quantity": "0.00", "currency": "EUR"}


def _tax(amount: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "base_amount": amount,
            "tax_amount": ZERO,
            "total_amount": amount,
            "percentage": "0",
            "name": "Outside scope",
            "category": "OUTSIDE_SCOPE",
            "notes": [],
            "rates": [],
        }
    ]


def _with_lists(size: int) -> dict[str, Any]:
    """The example platform plus one FINAL invoice whose every list holds `size` items."""
    data = example()
    base = record(data, "invoices", "invo_globex_2026_11")
    meter = data["meters"][0]
    meter["meter_values"] = [{"id": f"metv_{i}", "reference": f"v{i}", "name": f"Value {i}", "type": "NUMBER"} for i in range(size)]
    data["pricing_plans"][0]["items"] = [i for i in data["pricing_plans"][0]["items"] if not i.get("meter_value_id")]
    data["usage_events"] = []
    acceptor = data["payment_acceptors"][0]
    data["payment_acceptors"] = [{**acceptor, "id": f"paya_{i}", "reference": f"bank{i}"} for i in range(size)]
    coupon = data["coupons"][0]
    data["coupons"] = [{**coupon, "id": f"coup_{i}", "reference": f"c{i}"} for i in range(size)]
    data["promotion_codes"] = [
        {**data["promotion_codes"][0], "id": f"prom_{i}", "code": f"CODE{i}", "coupon_id": f"coup_{i}"} for i in range(size)
    ]
    data["subscriptions"][0]["coupon_ids"] = []
    data["subscriptions"][0]["payment_acceptor_ids"] = [f"paya_{i}" for i in range(size)]
    customer = data["customers"][0]
    data["customers"] += [{**copy.deepcopy(customer), "id": f"cust_{i}", "reference": f"c{i}"} for i in range(size)]
    lines = [
        {"id": f"line_{i}", "line_order": i, "description": f"Line {i}", "type": "REVENUE", "amount_excluding_tax": ZERO, "amount_including_tax": ZERO,
         "tax_categories": _tax(ZERO), "meter_value": {"reference": f"v{i}", "type": "NUMBER", "number": "0", "amount": None, "meter_value_id": f"metv_{i}"}}
        for i in range(size)
    ]  # fmt: skip
    period = {**base["periods"][0], "amount_excluding_tax": ZERO, "amount_including_tax": ZERO, "tax_categories": _tax(ZERO),
              "groups": [{"group_order": 0, "amount_excluding_tax": ZERO, "amount_including_tax": ZERO, "tax_categories": _tax(ZERO), "lines": lines}]}  # fmt: skip
    others = [
        {**base, "id": f"invo_other_{i}", "status": "FINAL", "invoice_number": f"OTHER-{i}", "periods": [{**period, "groups": []}], "invoice_amount_including_tax": ZERO}
        for i in range(size)
    ]  # fmt: skip
    invoice = {
        **base, "id": f"invo_big_{size}", "status": "FINAL", "invoice_number": f"BIG-{size}", "periods": [period], "invoice_amount_including_tax": ZERO,
        "tax_categories": _tax(ZERO), "payment_acceptor_ids": [f"paya_{i}" for i in range(size)],
        "payment_actions": [{"payment_acceptor_id": f"paya_{i}", "type": "BANK_ACCOUNT"} for i in range(size)],
        "linked_invoices": [{"id": f"invo_other_{i}", "link_type": "RELATED", "amount": ZERO} for i in range(size)],
        "coupons": [{"coupon_id": f"coup_{i}", "coupon_name": f"Coupon {i}"} for i in range(size)],
        "promotion_codes": [{"promotion_code_details": {"promotion_code_id": f"prom_{i}", "code": f"CODE{i}"}, "coupon_id": f"coup_{i}"} for i in range(size)],
        "meter_value_ids": [f"metv_{i}" for i in range(size)],
        "processing_only_customer_ids": [f"cust_{i}" for i in range(size)],
        "forwarded_from_customer_ids": [f"cust_{i}" for i in range(size)],
    }  # fmt: skip
    data["invoices"] = [*others, invoice]
    return data


async def _count(database: Database, client: httpx.AsyncClient, query: str) -> tuple[Statements, dict[str, Any]]:
    # Warm up first: a key's first use records last_used_at (a write, at most every few minutes) and
    # puts the key in the server's credential cache (auth/credential_cache.py: counted requests read no
    # credential), and a database's first read measures its replica (tests/support/engines.py).
    await client.post("/graphql", json={"query": '{ invoice(id: "warm-up") { id } }'}, headers=HEADERS)
    before = Statements.of(database)
    response = await client.post("/graphql", json={"query": query}, headers=HEADERS)
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body["errors"][:3]
    return Statements.of(database) - before, body


@pytest.fixture
def roomy(settings: Settings) -> Settings:
    # The whole-graph document is big on purpose; the production token limit is tested elsewhere.
    return settings.model_copy(update={"max_tokens": 100_000})


async def test_whole_invoice_graph_costs_the_same_for_1_10_and_100_items(roomy: Settings, database: Database, tmp_path: Path) -> None:
    app = create_app(roomy, database)
    selection = full_selection(graphql_core_schema(app.state.schema), "Invoice", 4)
    counts: dict[int, int] = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        for size in (1, 10, 100):
            # One FINAL invoice per size: an import may not change a FINAL invoice.
            await load(database, tmp_path, _with_lists(size), f"size{size}.json")
            spent, body = await _count(database, client, f'query {{ invoice(id: "invo_big_{size}") {{\n{selection}\n}} }}')
            assert_read_where_routed(database, spent, credential_checks=0)
            counts[size] = spent.total
            invoice = body["data"]["invoice"]
            assert len(invoice["periods"][0]["groups"][0]["lines"]) == size
            assert len(invoice["linkedInvoices"]) == size
            assert len(invoice["paymentAcceptors"]) == size
            assert all(link["invoice"]["id"].startswith("invo_other_") for link in invoice["linkedInvoices"])
    assert counts[1] == counts[10] == counts[100], counts


async def test_list_of_50_costs_what_a_list_of_5_costs(client: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    await load(database, tmp_path, _with_lists(60), "sixty.json")
    query = "{ invoices(first: %d) { edges { node { id customer { id reference organization { legalName } } coupons { couponId coupon { id name } } } } } }"
    five, small = await _count(database, client, query % 5)
    fifty, large = await _count(database, client, query % 50)
    assert len(small["data"]["invoices"]["edges"]) == 5
    assert len(large["data"]["invoices"]["edges"]) == 50
    assert five.total == fifty.total
    assert_read_where_routed(database, fifty, credential_checks=0)


async def test_scalar_fields_take_one_statement(client: httpx.AsyncClient, database: Database, tmp_path: Path) -> None:
    await load(database, tmp_path, example(), "example.json")
    count, body = await _count(
        database, client, '{ invoice(id: "invo_globex_2026_11") { id status version invoiceNumber billingCurrency onHold } }'
    )
    assert body["data"]["invoice"]["status"] == "DRAFT"
    assert count.total == 1  # the invoice (the key was verified by the warm-up and is cached)
    assert_read_where_routed(database, count, credential_checks=0)


REFRESH = "mutation($id: ID!) { refreshInvoice(id: $id) { id version customer { id } refreshHistory(first: 1) { totalCount } } }"


async def test_a_query_runs_where_it_is_routed_and_a_mutation_on_the_primary(
    client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    await load(database, tmp_path, example(), "example.json")
    read, _ = await _count(
        database, client, '{ invoice(id: "invo_globex_2026_11") { id customer { id } refreshHistory(first: 1) { totalCount } } }'
    )
    assert_read_where_routed(database, read, credential_checks=0)

    before = Statements.of(database)
    response = await client.post("/graphql", json={"query": REFRESH, "variables": {"id": INVOICE_ID}}, headers=HEADERS)
    refreshed = response.json()["data"]["refreshInvoice"]
    written = Statements.of(database) - before
    # The mutation, and the response fields it selects (read after the write), all on the primary.
    assert_written_on_primary(written)
    assert refreshed["refreshHistory"]["totalCount"] == 1
    assert written.total > read.total

    # What the mutation wrote is what the next query reads (a replica applies each commit before it returns).
    again, body = await _count(
        database, client, '{ invoice(id: "invo_globex_2026_11") { version refreshHistory(first: 1) { totalCount } } }'
    )
    assert_read_where_routed(database, again, credential_checks=0)
    assert body["data"]["invoice"] == {"version": refreshed["version"], "refreshHistory": {"totalCount": 1}}


async def test_the_whole_graph_of_an_invoice_reads_its_related_records_in_one_statement(
    roomy: Settings, database: Database, tmp_path: Path
) -> None:
    # Given the example invoice (no linked invoices), refreshed so that it has a history.
    await load(database, tmp_path, example(), "example.json")
    app = create_app(roomy, database)
    query = 'query { invoice(id: "invo_globex_2026_11") {\n' + full_selection(graphql_core_schema(app.state.schema), "Invoice", 4) + "\n} }"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        refreshed = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={}, headers=HEADERS)
        assert refreshed.status_code == 200, refreshed.text
        # When every field to depth 4 is selected (customer, billing entity, subscriptions, meter values,
        # coupons, the refresh history, the customer's invoice page…).
        spent, body = await _count(database, client, query)
    invoice = body["data"]["invoice"]
    assert invoice["refreshHistory"]["totalCount"] == 1
    assert invoice["customer"]["invoices"]["totalCount"] == 1
    assert invoice["billingEntity"]["id"] == invoice["billingEntityDetails"]["id"]
    # Then: the invoice, and one statement for everything related to it, the
    # history and the customer's page included (db/folding.py): what REST GET costs.
    assert spent.total == 2, spent
    assert_read_where_routed(database, spent, credential_checks=0)
