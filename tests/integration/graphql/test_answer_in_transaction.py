"""A refresh's GraphQL answer is read inside the refresh's transaction (resolvers/refresh.py).

As REST renders its body there: the answer shows what the refresh wrote (its own audit record
included), and no connection is checked out after the commit.
"""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import event

from invoicegraph.db.engine import Database
from tests.support.api import Api
from tests.support.data import INVOICE_ID

ANSWER = """
mutation ($id: ID!) {
  refreshInvoice(id: $id, types: [FULL]) {
    id version
    meterValues { id }
    customer { id invoices(first: 5) { totalCount edges { cursor node { id status } } } }
    refreshHistory(first: 1) { totalCount edges { node { requestId } } }
  }
}
"""


async def _checkouts(database: Database, send: Any) -> tuple[int, Any]:
    count = 0

    def checked_out(*_: object) -> None:
        nonlocal count
        count += 1

    pool = database.engine.sync_engine.pool
    event.listen(pool, "checkout", checked_out)
    try:
        result = await send()
    finally:
        event.remove(pool, "checkout", checked_out)
    return count, result


async def test_the_answer_is_read_in_the_refresh_transaction(api: Api, client: httpx.AsyncClient, database: Database) -> None:
    def refresh() -> Any:
        return client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={}, headers=api.headers)

    await refresh()  # the first refresh of the example changes it (and writes an event): later ones do not
    rest, _ = await _checkouts(database, refresh)
    graphql, body = await _checkouts(database, lambda: api.graphql(ANSWER, {"id": INVOICE_ID}))
    assert "errors" not in body, body
    answer = body["data"]["refreshInvoice"]
    # this very refresh is in its own history: the audit record was written before the answer read it
    assert answer["refreshHistory"]["totalCount"] == 3
    assert answer["refreshHistory"]["edges"][0]["node"]["requestId"] == body["_headers"]["x-request-id"]
    assert {edge["node"]["id"] for edge in answer["customer"]["invoices"]["edges"]} >= {INVOICE_ID}
    # the credential check and the refresh's transaction, as REST: no session after the commit
    assert graphql == rest, (graphql, rest)
