"""`invoices(filter: {stale: …})` and REST `stale=`: exactly the invoices whose staleSources is (not) empty.

On generated changes (the kinds staleSources' own test generates), with a random part of the drafts
refreshed after each, FULL or CUSTOMER only, and some invoices FINAL: the filtered list, paged in small
pages, lists exactly the invoices whose staleSources is not empty, in the list's order, with a total
count that agrees; `stale: false` lists the rest; REST agrees; and the statements of a filtered page
do not grow with its size.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import httpx

from invoicegraph.db.engine import Database
from tests.integration.services.drafts.test_stale_sources import CHANGES
from tests.integration.services.refresh_jobs.conftest import clone, drain, finalize
from tests.support.api import Api
from tests.support.data import EXAMPLE_KEY, load
from tests.support.engines import Statements

ALL = "{ invoices(first: 100) { totalCount edges { node { id status staleSources } } } }"
# The same list with a field only the whole document has: its invoices are read whole, where ALL's are
# read with only what staleness needs (db/invoice_reads.py "stale" shape).
WHOLE = "{ invoices(first: 100) { edges { node { id staleSources purchaseOrderNumber } } } }"
# And through the customers' pages of invoices (one statement for every customer's page).
NESTED = "{ invoices(first: 100) { edges { node { customer { invoices(first: 100) { edges { node { id staleSources } } } } } } } }"
PAGE = """
query($stale: Boolean!, $first: Int!, $after: String) {
  invoices(filter: {stale: $stale}, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id staleSources } }
  }
}
"""
REFRESH = "mutation($id: ID!, $types: [InvoiceRefreshType!]) { refreshInvoice(id: $id, types: $types) { id } }"


async def _paged(api: Api, stale: bool) -> tuple[list[str], set[int]]:
    listed: list[str] = []
    totals: set[int] = set()
    after = None
    while True:
        body = await api.graphql(PAGE, {"stale": stale, "first": 7, "after": after})
        assert "errors" not in body, body
        page = body["data"]["invoices"]
        totals.add(page["totalCount"])
        for edge in page["edges"]:
            assert bool(edge["node"]["staleSources"]) is stale, edge  # the field agrees with the filter
            listed.append(edge["node"]["id"])
        if not page["pageInfo"]["hasNextPage"]:
            return listed, totals
        after = page["pageInfo"]["endCursor"]


async def test_the_stale_filter_agrees_with_stale_sources_on_generated_changes(
    api: Api, client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    drafts = await clone(database, 30)
    await finalize(database, drafts[-3:])
    rng = random.Random(2121)
    for step in range(4):
        for change in rng.sample(CHANGES, rng.randint(1, 2)):
            change(data, rng, step)
        await load(database, tmp_path, {**data, "invoices": []}, f"step{step}.json")
        for invoice_id in rng.sample(drafts[:-3], 10):
            assert "errors" not in await api.graphql(REFRESH, {"id": invoice_id, "types": [rng.choice(["FULL", "CUSTOMER"])]})
        everything = (await api.graphql(ALL))["data"]["invoices"]
        order = [edge["node"]["id"] for edge in everything["edges"]]
        stale = [edge["node"]["id"] for edge in everything["edges"] if edge["node"]["staleSources"]]
        assert all(edge["node"]["status"] in ("DRAFT", "OPEN") for edge in everything["edges"] if edge["node"]["staleSources"])
        whole = (await api.graphql(WHOLE))["data"]["invoices"]["edges"]
        assert {e["node"]["id"]: e["node"]["staleSources"] for e in whole} == {
            e["node"]["id"]: e["node"]["staleSources"] for e in everything["edges"]
        }, f"step {step}"
        nested = (await api.graphql(NESTED))["data"]["invoices"]["edges"]
        pages = [e["node"] for n in nested if n["node"]["customer"] for e in n["node"]["customer"]["invoices"]["edges"]]
        assert {node["id"]: node["staleSources"] for node in pages} == {e["node"]["id"]: e["node"]["staleSources"] for e in whole}
        listed, totals = await _paged(api, True)
        assert listed == stale, f"step {step}"
        assert totals == {len(stale)}
        rest, rest_totals = await _paged(api, False)
        assert rest == [i for i in order if i not in stale]
        assert rest_totals == {everything["totalCount"] - len(stale)}
        response = await client.get("/v1/invoices", params={"stale": "true", "limit": "100"}, headers={"X-API-KEY": EXAMPLE_KEY})
        assert [item["id"] for item in response.json()["data"]] == stale
    assert 0 < len(stale) < len(order)  # the generated steps left both kinds


async def test_a_stale_page_costs_the_same_statements_whatever_its_size(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    await clone(database, 60)
    data["customers"][0]["email"] = "moved@globex.example"
    await load(database, tmp_path, {**data, "invoices": []}, "moved.json")
    await api.graphql('{ invoice(id: "warm-up") { id } }')  # the credential is looked up once, then cached
    spent = []
    for first in (5, 50):
        before = Statements.of(database)
        body = await api.graphql(PAGE, {"stale": True, "first": first})
        assert len(body["data"]["invoices"]["edges"]) == first
        spent.append((Statements.of(database) - before).total)
    assert spent[0] == spent[1], spent


async def test_customer_invoices_refuse_the_stale_filter(api: Api) -> None:
    body = await api.graphql('{ customer(id: "cust_globex") { invoices(filter: {stale: true}) { totalCount } } }')
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD"
    assert body["errors"][0]["extensions"]["field"] == "filter.stale"


async def test_a_job_over_the_stale_filter_takes_exactly_the_stale_drafts_and_leaves_none(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    drafts = await clone(database, 12)
    await finalize(database, drafts[-2:])
    data["customers"][0]["email"] = "moved@globex.example"
    await load(database, tmp_path, {**data, "invoices": []}, "moved.json")
    for invoice_id in drafts[:4]:  # these four are brought up to date first
        assert "errors" not in await api.graphql(REFRESH, {"id": invoice_id, "types": ["FULL"]})
    stale, _ = await _paged(api, True)
    created = await api.graphql("mutation { refreshInvoices(input: {filter: {stale: true}}) { id counts { total } } }")
    assert created["data"]["refreshInvoices"]["counts"]["total"] == len(stale) == 7  # 6 cloned drafts left and the example's
    await drain(database)
    assert await _paged(api, True) == ([], {0})
