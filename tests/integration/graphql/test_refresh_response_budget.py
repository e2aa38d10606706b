"""A refresh's GraphQL response reads nothing the refresh already read (loaders primed from its sources).

The mutation answers with the invoice it produced, and its customer, billing entity, subscriptions,
payment acceptors, coupons and promotion codes come from the records the computation read in the
same transaction: selecting them costs no statement beyond the refresh itself.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.schema.build import build_schema
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.engines import Statements, assert_written_on_primary
from tests.support.graph_query import full_selection

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
NARROW = "id version"
WIDE = """id version
  customer { id reference organization { legalName } }
  billingEntity { id legalName }
  pricingPlanSubscriptions { id reference }
  paymentAcceptors { id }
  coupons { coupon { id } }
  promotionCodes { promotionCode { id code } coupon { id } }"""


@pytest.fixture
async def data(database: Database, tmp_path: Path) -> None:
    await load(database, tmp_path, example(), "example.json")


async def _refresh(client: httpx.AsyncClient, database: Database, selection: str) -> tuple[Statements, dict[str, object]]:
    before = Statements.of(database)
    response = await client.post(
        "/graphql",
        json={"query": f'mutation {{ refreshInvoice(id: "{INVOICE_ID}", types: [FULL]) {{ {selection} }} }}'},
        headers=HEADERS,
    )
    body = response.json()
    assert "errors" not in body, body
    return Statements.of(database) - before, body["data"]["refreshInvoice"]


@pytest.mark.usefixtures("data")
async def test_the_response_of_a_refresh_reads_nothing_the_refresh_read(client: httpx.AsyncClient, database: Database) -> None:
    await _refresh(client, database, NARROW)  # the first refresh may write; the next ones are alike
    narrow, _ = await _refresh(client, database, NARROW)
    wide, answer = await _refresh(client, database, WIDE)
    for field in ("customer", "billingEntity", "pricingPlanSubscriptions"):
        assert answer[field], answer
    assert wide.total == narrow.total, f"selecting the records the refresh read cost {wide.total - narrow.total} more statements"
    assert_written_on_primary(wide)


@pytest.mark.usefixtures("data")
async def test_a_refresh_answered_with_its_whole_graph_costs_what_the_rest_refresh_costs(
    client: httpx.AsyncClient, database: Database
) -> None:
    # The REST refresh answers the vendor body (its meter values read by a loader); the mutation
    # answers every field to depth 4 but the history, as `make bench` does: its customer's invoice
    # page is read in the same statement as its meter values (db/folding.py), the rest was read by
    # the refresh itself.
    selection = full_selection(build_schema()._schema, "Invoice", 4, skip=("refreshHistory",))
    await _refresh(client, database, NARROW)
    before = Statements.of(database)
    response = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={"types": ["FULL"]}, headers=HEADERS)
    assert response.status_code == 200, response.text
    rest = Statements.of(database) - before
    graphql, answer = await _refresh(client, database, selection)
    assert answer["customer"]["invoices"]["totalCount"] == 1  # type: ignore[index]
    assert graphql.total == rest.total, (graphql, rest)
