"""A request's objects are freed when it ends, by reference counting, not by the garbage collector.

Objects caught in a reference cycle live until a collection finds them, and collections cost the more,
the more they find: under load a server that leaves a cycle per request spends a steady share of its
CPU (and its worst latencies) in the collector. Given: the app, warmed up. When: a whole-graph query,
a refresh mutation and the REST routes run with the collector off. Then: a collection finds none of
the request's own objects (context, loaders, executor, database handle, Starlette request) in a cycle.
(It does find some SQLAlchemy clause objects: a refresh still builds a few statements per call, its
usage questions among them; and the test client's own httpx objects.)
"""

from __future__ import annotations

import gc
from pathlib import Path

import httpx

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.db.loaders import Loaders
from invoicegraph.db.request import RequestDatabase
from invoicegraph.execution.context import PlannedExecutionContext
from invoicegraph.graphql.context import RequestContext
from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.schema.build import build_schema
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.graph_query import full_selection

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
WATCHED = (RequestContext, Loaders, PlannedExecutionContext, Database, RequestDatabase)
FULL = 'query Full { invoice(id: "invo_globex_2026_11") {\n' + full_selection(graphql_core_schema(build_schema()), "Invoice", 4) + "\n} }"
REFRESH = "mutation Refresh($id: ID!) { refreshInvoice(id: $id) { id version customer { id invoices { totalCount } } meterValues { id } } }"


def _cyclic_request_objects() -> list[str]:
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = sorted(
            type(o).__name__ for o in gc.garbage if isinstance(o, WATCHED) or type(o).__module__.startswith("starlette.requests")
        )
    finally:
        gc.garbage.clear()
        gc.set_debug(0)
    return found


async def test_a_request_leaves_nothing_for_the_garbage_collector(settings: Settings, database: Database, tmp_path: Path) -> None:
    await load(database, tmp_path, example(), "example.json")
    app = create_app(settings.model_copy(update={"max_tokens": 100_000}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:

        async def requests() -> None:
            for _ in range(3):  # the third run of a document runs with generated plans
                assert (await client.post("/graphql", json={"query": FULL}, headers=HEADERS)).status_code == 200
                refreshed = await client.post("/graphql", json={"query": REFRESH, "variables": {"id": INVOICE_ID}}, headers=HEADERS)
                assert "errors" not in refreshed.json(), refreshed.json()
            assert (await client.get(f"/v1/invoices/{INVOICE_ID}", headers=HEADERS)).status_code == 200
            assert (await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={}, headers=HEADERS)).status_code == 200

        await requests()  # warm: caches and plans are built once, and live on
        gc.collect()
        gc.disable()
        try:
            await requests()
            assert _cyclic_request_objects() == []
        finally:
            gc.enable()
