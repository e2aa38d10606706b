"""Refresh history pages: read one page from the database, walk to the one-page answer.

An invoice's refresh history only grows (every refresh appends a record), so `refreshHistory` reads
one page per invoice in SQL (db/prepared.py `refresh_history_pages`) instead of the whole history.
Walking it page by page must list exactly the records of one large page, newest first (ties on the
instant broken by id), with the count on every page; a cursor of another invoice's history, or of
another platform, is refused like a malformed one.
"""

from __future__ import annotations

import base64
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from invoicegraph.db.prepared import fetch, refresh_history_pages
from invoicegraph.db.tables import RefreshRecord
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load, record

KEY = {"X-API-KEY": EXAMPLE_KEY}
OTHER = "invo_history_other"
HISTORY = """query($id: ID!, $first: Int!, $after: String) {
  invoice(id: $id) { refreshHistory(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id requestId } }
  } }
}"""
BOTH = """{ a: invoice(id: "%s") { refreshHistory(first: 2) { totalCount edges { node { id } } } }
            b: invoice(id: "%s") { refreshHistory(first: 2) { totalCount edges { node { id } } } } }"""
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _record(invoice_id: str, index: int, at: datetime, platform_id: str = "plat_acme") -> RefreshRecord:
    return RefreshRecord(
        platform_id=platform_id,
        id=f"rfr_{invoice_id[-5:]}_{index:03d}",
        invoice_id=invoice_id,
        credential_id="akey_ops",
        request_id=f"reqr_{index}",
        types=["FULL"],
        status_before="DRAFT",
        status_after="DRAFT",
        currency="EUR",
        total_before=Decimal("1.00"),
        total_after=Decimal("2.00"),
        version_before=index,
        version_after=index + 1,
        changed=True,
        changed_paths=["invoice_amount_including_tax"],
        created_at=at,
    )


@pytest.fixture
async def histories(database: Database, tmp_path: Path) -> list[str]:
    """13 records on the example invoice (two pairs share an instant), 3 on a second invoice, 1 on another platform.

    Returns the example invoice's record ids newest first: by instant, then by id, descending.
    """
    loaded = example()
    other = deepcopy(record(loaded, "invoices", INVOICE_ID))
    other.update(id=OTHER, invoice_number=None)
    loaded["invoices"].append(other)
    await load(database, tmp_path, loaded, "example.json")
    instants = [START + timedelta(minutes=index // 2 if index < 4 else index) for index in range(13)]
    records = [_record(INVOICE_ID, index, at) for index, at in enumerate(instants)]
    records += [_record(OTHER, index, START + timedelta(hours=index)) for index in range(3)]
    records.append(_record(INVOICE_ID, 99, START, platform_id="plat_elsewhere"))
    async with database.write() as session:
        session.add_all(records)
    mine = [r for r in records if r.invoice_id == INVOICE_ID and r.platform_id == "plat_acme"]
    return [r.id for r in sorted(mine, key=lambda r: (r.created_at, r.id), reverse=True)]


async def _history(client: httpx.AsyncClient, first: int, after: str | None = None, invoice: str = INVOICE_ID) -> dict[str, Any]:
    body = (
        await client.post("/graphql", json={"query": HISTORY, "variables": {"id": invoice, "first": first, "after": after}}, headers=KEY)
    ).json()
    assert "errors" not in body, body
    history: dict[str, Any] = body["data"]["invoice"]["refreshHistory"]
    return history


@pytest.mark.parametrize("first", [1, 2, 5, 13])
async def test_walking_the_history_gives_the_one_page_answer(client: httpx.AsyncClient, histories: list[str], first: int) -> None:
    whole = await _history(client, 100)
    assert [edge["node"]["id"] for edge in whole["edges"]] == histories
    assert whole["totalCount"] == 13
    walked: list[str] = []
    after: str | None = None
    while True:
        page = await _history(client, first, after)
        assert page["totalCount"] == 13
        assert len(page["edges"]) <= first
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        walked += [edge["node"]["id"] for edge in page["edges"]]
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert walked == histories


async def test_an_empty_page_still_counts(client: httpx.AsyncClient, histories: list[str]) -> None:
    assert await _history(client, 0) == {
        "totalCount": 13,
        "pageInfo": {"hasNextPage": True, "hasPreviousPage": False, "startCursor": None, "endCursor": None},
        "edges": [],
    }
    last = base64.urlsafe_b64encode(histories[-1].encode()).decode().rstrip("=")
    beyond = await _history(client, 5, last)
    assert beyond["totalCount"] == 13
    assert beyond["edges"] == []
    assert beyond["pageInfo"]["hasNextPage"] is False
    assert beyond["pageInfo"]["hasPreviousPage"] is True


async def test_invoices_in_one_query_get_their_own_pages(client: httpx.AsyncClient, histories: list[str]) -> None:
    body = (await client.post("/graphql", json={"query": BOTH % (INVOICE_ID, OTHER)}, headers=KEY)).json()
    assert "errors" not in body, body
    mine, other = body["data"]["a"]["refreshHistory"], body["data"]["b"]["refreshHistory"]
    assert (mine["totalCount"], [e["node"]["id"] for e in mine["edges"]]) == (13, histories[:2])
    assert (other["totalCount"], [e["node"]["id"] for e in other["edges"]]) == (3, ["rfr_other_002", "rfr_other_001"])


@pytest.mark.parametrize(
    ("cursor", "message"),
    [
        ("__8", "malformed"),  # not UTF-8 once decoded
        (base64.urlsafe_b64encode(b"rfr_other_001").decode().rstrip("="), "does not belong"),  # another invoice's record
        (base64.urlsafe_b64encode(b"rfr_26_11_099").decode().rstrip("="), "does not belong"),  # another platform's record
        (base64.urlsafe_b64encode(b"rfr_nothing").decode().rstrip("="), "does not belong"),
    ],
)
async def test_foreign_and_malformed_cursors_are_refused(
    client: httpx.AsyncClient, histories: list[str], cursor: str, message: str
) -> None:
    body = (
        await client.post("/graphql", json={"query": HISTORY, "variables": {"id": INVOICE_ID, "first": 2, "after": cursor}}, headers=KEY)
    ).json()
    assert body["data"]["invoice"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_FIELD"
    assert error["extensions"]["field"] == "after"
    assert message in error["message"]


async def test_a_page_reads_a_page_of_rows_not_the_history(database: Database, histories: list[str]) -> None:
    async with database.read() as session:
        rows = await fetch(session, refresh_history_pages(after=False), {"platform_id": "plat_acme", "ids": [INVOICE_ID], "size": 3})
        assert [row.id for row in rows] == histories[:3]
        assert {row.total_count for row in rows} == {13}
        after = await fetch(
            session, refresh_history_pages(), {"platform_id": "plat_acme", "ids": [INVOICE_ID], "after": histories[6], "size": 3}
        )
    # The page after the 7th record, plus the newest record (it carries the count when a page is empty).
    assert [row.id for row in after] == [histories[0], *histories[7:10]]
    assert {row.total_count for row in after} == {13}
    assert {row.after_position for row in after} == {7}
