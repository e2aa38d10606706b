"""A refresh whose answer would be refused is refused before it writes (resolvers/answer_checks.py).

Without these checks the refresh commits, then its answer fails: `data: null` and an error, which a
client reads as "nothing happened" although the invoice changed.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col
from tests.integration.refresh.conftest import Api
from tests.support.data import INVOICE_ID
from tests.support.seed import add_key

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import RefreshRecord


async def _records(database: Database) -> int:
    async with database.read() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(RefreshRecord).where(col(RefreshRecord.invoice_id) == INVOICE_ID))
            ).scalar_one()
        )


def _refused_before_writing(body: dict[str, Any], code: str, field: str | None) -> None:
    assert body["data"] is None, body
    (error,) = body["errors"]
    assert error["path"] == ["refreshInvoice"]
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


@pytest.mark.parametrize(
    ("selection", "variables", "field"),
    [
        ("refreshHistory(first: 101) { totalCount }", {}, "refreshHistory.first"),
        ("history: refreshHistory(first: $n) { totalCount }", {"n": 500}, "history.first"),
        ("customer { invoices(first: 101) { totalCount } }", {}, "customer.invoices.first"),
        ("...Deep", {}, "customer.invoices.first"),
    ],
    ids=["literal", "variable-and-alias", "nested", "fragment"],
)
async def test_an_out_of_range_first_below_the_mutation_writes_nothing(
    api: Api, database: Database, selection: str, variables: dict[str, Any], field: str
) -> None:
    before = await _records(database)
    declared = ", $n: Int" if "$n" in selection else ""
    document = f"mutation ($id: ID!{declared}) {{ refreshInvoice(id: $id, types: [PO_NUMBER]) {{ id {selection} }} }}"
    if "...Deep" in selection:
        document += " fragment Deep on Invoice { customer { invoices(first: 101) { totalCount } } }"
    body = await api.graphql(document, {"id": INVOICE_ID, **variables})
    _refused_before_writing(body, "INVALID_FIELD", field)
    assert await _records(database) == before


async def test_a_skipped_selection_is_not_checked(api: Api, database: Database) -> None:
    before = await _records(database)
    document = (
        "mutation ($id: ID!, $skip: Boolean!) { refreshInvoice(id: $id, types: [PO_NUMBER]) {"
        " id refreshHistory(first: 101) @skip(if: $skip) { totalCount } } }"
    )
    body = await api.graphql(document, {"id": INVOICE_ID, "skip": True})
    assert body["data"] == {"refreshInvoice": {"id": INVOICE_ID}}, body
    assert await _records(database) == before + 1
    refused = await api.graphql(document, {"id": INVOICE_ID, "skip": False})
    _refused_before_writing(refused, "INVALID_FIELD", "refreshHistory.first")
    assert await _records(database) == before + 1


async def test_a_guarded_field_the_caller_may_not_read_writes_nothing(
    client: httpx.AsyncClient, database: Database, data: dict[str, Any]
) -> None:
    platform = data["platforms"][0]["id"]
    refresher = await add_key(database, [platform], ["INVOICE.REFRESH"])
    before = await _records(database)
    history = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [PO_NUMBER]) { id refreshHistory { totalCount } } }"
    response = await client.post("/graphql", json={"query": history, "variables": {"id": INVOICE_ID}}, headers=refresher.headers)
    _refused_before_writing(response.json(), "USER_NOT_ALLOWED", None)
    assert await _records(database) == before
    plain = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [PO_NUMBER]) { id version } }"
    allowed = await client.post("/graphql", json={"query": plain, "variables": {"id": INVOICE_ID}}, headers=refresher.headers)
    assert allowed.json()["data"]["refreshInvoice"]["id"] == INVOICE_ID
    assert await _records(database) == before + 1
