"""A refresh whose answer is refused writes nothing: a failure is never committed.

The mutation's answer is completed inside its unit of work (graphql/endpoint.py): an answer that comes
back `data: null` (a non-null field below it refused) rolls the refresh back, so a client that reads
"nothing happened" is right. A literal page size out of range is refused before anything runs.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.tables import RefreshRecord
from tests.support.api import Api
from tests.support.data import INVOICE_ID
from tests.support.seed import add_key


async def _records(database: Database) -> int:
    async with database.read() as session:
        return int(
            (
                await session.execute(select(func.count()).select_from(RefreshRecord).where(col(RefreshRecord.invoice_id) == INVOICE_ID))
            ).scalar_one()
        )


def _refused_before_writing(body: dict[str, Any], code: str, field: str | None, path: list[str] | None = None) -> None:
    """Refused with no data: as a request error (nothing ran), or at the field's path (rolled back)."""
    assert body.get("data") is None, body
    (error,) = body["errors"]
    assert error.get("path") == path
    assert (error["extensions"]["code"], error["extensions"]["field"]) == (code, field)


@pytest.mark.parametrize(
    ("selection", "variables", "path"),
    [
        ("refreshHistory(first: 101) { totalCount }", {}, None),
        ("history: refreshHistory(first: $n) { totalCount }", {"n": 500}, ["refreshInvoice", "history"]),
        ("customer { invoices(first: 101) { totalCount } }", {}, None),
        ("...Deep", {}, None),
    ],
    ids=["literal", "variable-and-alias", "nested", "fragment"],
)
async def test_an_out_of_range_first_below_the_mutation_writes_nothing(
    api: Api, database: Database, selection: str, variables: dict[str, Any], path: list[str] | None
) -> None:
    before = await _records(database)
    declared = ", $n: Int" if "$n" in selection else ""
    document = f"mutation ($id: ID!{declared}) {{ refreshInvoice(id: $id, types: [PO_NUMBER]) {{ id {selection} }} }}"
    if "...Deep" in selection:
        document += " fragment Deep on Invoice { customer { invoices(first: 101) { totalCount } } }"
    body = await api.graphql(document, {"id": INVOICE_ID, **variables})
    _refused_before_writing(body, "INVALID_FIELD", "first", path)
    assert await _records(database) == before


async def test_a_skipped_selection_is_not_checked(api: Api, database: Database) -> None:
    before = await _records(database)
    document = (
        "mutation ($id: ID!, $skip: Boolean!, $n: Int) { refreshInvoice(id: $id, types: [PO_NUMBER]) {"
        " id refreshHistory(first: $n) @skip(if: $skip) { totalCount } } }"
    )
    body = await api.graphql(document, {"id": INVOICE_ID, "skip": True, "n": 101})
    assert body["data"] == {"refreshInvoice": {"id": INVOICE_ID}}, body
    assert await _records(database) == before + 1
    refused = await api.graphql(document, {"id": INVOICE_ID, "skip": False, "n": 101})
    _refused_before_writing(refused, "INVALID_FIELD", "first", ["refreshInvoice", "refreshHistory"])
    assert await _records(database) == before + 1


async def test_a_guarded_field_the_caller_may_not_read_writes_nothing(
    client: httpx.AsyncClient, database: Database, data: dict[str, Any]
) -> None:
    platform = data["platforms"][0]["id"]
    refresher = await add_key(database, [platform], ["INVOICE.REFRESH"])
    before = await _records(database)
    history = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [PO_NUMBER]) { id refreshHistory { totalCount } } }"
    response = await client.post("/graphql", json={"query": history, "variables": {"id": INVOICE_ID}}, headers=refresher.headers)
    _refused_before_writing(response.json(), "USER_NOT_ALLOWED", None, ["refreshInvoice", "refreshHistory"])
    assert await _records(database) == before
    plain = "mutation ($id: ID!) { refreshInvoice(id: $id, types: [PO_NUMBER]) { id version } }"
    allowed = await client.post("/graphql", json={"query": plain, "variables": {"id": INVOICE_ID}}, headers=refresher.headers)
    assert allowed.json()["data"]["refreshInvoice"]["id"] == INVOICE_ID
    assert await _records(database) == before + 1
