"""A known mutation executed directly answers what Strawberry's pipeline answers, and runs once.

Direct execution (execution/direct.py) runs a document that already ran cleanly on graphql-core
alone. Verify mode cannot check a mutation by running it twice, so this compares two servers on the
same database: one as it ships (direct execution on), one with execution plans and direct execution
off (`INVOICEGRAPH_EXECUTION_PLANS=off`: the pipeline and graphql-core only). Refreshes of an invoice
that nothing changed since change nothing, so the two answers must be the same bytes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.execution.context import PLAN_STATS
from invoicegraph.schema.build import build_schema
from invoicegraph.settings import Settings
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load
from tests.support.graph_query import full_selection
from tests.support.writes import refresh_writes

HEADERS = {"X-API-KEY": EXAMPLE_KEY}
WHOLE = (
    "mutation Whole($id: ID!) { refreshInvoice(id: $id, types: [FULL]) {\n"
    + full_selection(build_schema()._schema, "Invoice", 4, skip=("refreshHistory",))
    + "\n} }"
)
# A refresh whose answer can fail after the refresh ran: `first` above the page size limit.
HISTORY = (
    "mutation History($id: ID!, $first: Int, $after: String) {"
    " refreshInvoice(id: $id) { id version refreshHistory(first: $first, after: $after) { totalCount } } }"
)


@pytest.fixture
async def clients(settings: Settings, database: Database, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    await load(database, tmp_path, example(), "example.json")
    roomy = settings.model_copy(update={"max_tokens": 100_000})
    direct = create_app(roomy, database)
    pipeline = create_app(roomy.model_copy(update={"execution_plans": "off"}), database)
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=direct), base_url="http://direct") as first,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=pipeline), base_url="http://pipeline") as second,
    ):
        yield first, second


async def _post(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> httpx.Response:
    return await client.post("/graphql", json={"query": query, "variables": variables}, headers=HEADERS)


async def test_a_known_refresh_answers_the_pipelines_bytes(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    direct, pipeline = clients
    variables = {"id": INVOICE_ID}
    assert (await _post(pipeline, WHOLE, variables)).status_code == 200  # the first refresh may change the invoice
    await _post(direct, WHOLE, variables)  # a clean run through the pipeline makes the document known
    before = PLAN_STATS.direct[("mutation", "clean")]
    answered = await _post(direct, WHOLE, variables)
    assert PLAN_STATS.direct[("mutation", "clean")] == before + 1, "the second run was direct"
    expected = await _post(pipeline, WHOLE, variables)
    assert "errors" not in expected.json(), expected.json()
    assert answered.json()["data"]["refreshInvoice"]["customer"]["invoices"]["totalCount"] == 1
    assert (answered.status_code, answered.headers["content-type"], answered.content) == (
        expected.status_code,
        expected.headers["content-type"],
        expected.content,
    )


async def test_a_known_refresh_that_fails_after_it_ran_is_reported_by_the_pipeline_and_runs_once(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    direct, pipeline = clients
    await _post(direct, HISTORY, {"id": INVOICE_ID, "first": 1})  # known from now on
    records, _ = await refresh_writes(database)
    errors_before = PLAN_STATS.direct[("mutation", "errors")]

    # A malformed cursor is refused by the page's resolver, after the refresh wrote (an out-of-range
    # `first` would be refused before it: resolvers/answer_checks.py).
    answered = await _post(direct, HISTORY, {"id": INVOICE_ID, "first": 1, "after": "not-a-cursor"})
    assert PLAN_STATS.direct[("mutation", "errors")] == errors_before + 1, "executed directly, reported by the pipeline"
    assert (await refresh_writes(database))[0] == records + 1, "the refresh ran once, not again for the report"
    expected = await _post(pipeline, HISTORY, {"id": INVOICE_ID, "first": 1, "after": "not-a-cursor"})
    assert (await refresh_writes(database))[0] == records + 2

    body = answered.json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_FIELD"
    assert body["errors"][0]["path"] == ["refreshInvoice", "refreshHistory"]
    assert (answered.status_code, answered.content) == (expected.status_code, expected.content)


async def test_a_mutation_with_an_idempotency_key_goes_through_the_pipeline(
    clients: tuple[httpx.AsyncClient, httpx.AsyncClient], database: Database
) -> None:
    direct, _ = clients
    await _post(direct, HISTORY, {"id": INVOICE_ID, "first": 1})  # known
    before = dict(PLAN_STATS.direct)
    keyed = {**HEADERS, "Idempotency-Key": "direct-test-1"}
    first = await direct.post("/graphql", json={"query": HISTORY, "variables": {"id": INVOICE_ID, "first": 1}}, headers=keyed)
    again = await direct.post("/graphql", json={"query": HISTORY, "variables": {"id": INVOICE_ID, "first": 1}}, headers=keyed)
    assert dict(PLAN_STATS.direct) == before, "keyed requests are the pipeline's (replay, claim, stored response)"
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == first.content
