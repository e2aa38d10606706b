"""Every statement on a tenant table filters by platform_id, on the primary and on the replicas.

This keeps docs/scaling.md's sharding claim true: on Citus, a statement that names its
`platform_id` is routed to one shard. The autouse `tenant_guard` fixture (tests/support/tenant_guard.py)
listens on every SQLAlchemy engine of the test process; here the GraphQL, REST, refresh and import flows
run over the split configuration, and the test shows that the guard judged the replica's statements as
well as the primary's, and found no unscoped one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from invoicegraph.db.engine import Database
from tests.integration.db.routing.conftest import Replication
from tests.support.data import INVOICE_ID, load
from tests.support.tenant_guard import TenantGuard, unscoped_table

pytestmark = pytest.mark.postgres

FLOWS = [
    """query Deep($id: ID!) {
      invoice(id: $id) {
        id status customer { id organization { legalName } invoices(first: 3) { edges { node { id } } } }
        billingEntity { id } refreshHistory(first: 3) { totalCount edges { node { types } } }
        periods { groups { lines { id } } }
      }
    }""",
    "query List { invoices(first: 5, filter: { statuses: [DRAFT] }) { totalCount edges { node { id customer { id } } } } }",
    'query Customer { customer(id: "cust_globex") { id invoices(first: 2) { totalCount } } }',
    'query Entities { _entities(representations: [{ __typename: "Invoice", id: "invo_globex_2026_11" }]) { ... on Invoice { id } } }',
    "query Preview($id: ID!) { invoiceRefreshPreview(id: $id) { changes { path } } }",
    "mutation Refresh($id: ID!) { refreshInvoice(id: $id) { id version customer { id } refreshHistory(first: 2) { totalCount } } }",
]


async def test_every_flow_over_the_split_configuration_is_scoped(
    client: httpx.AsyncClient,
    split: Database,
    replication: Replication,
    loaded: dict[str, Any],
    tenant_guard: TenantGuard,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Which engine each statement the guard judged ran on, and whether it names a tenant table.
    judged: Counter[tuple[str, bool]] = Counter()
    replica = split.replicas.replicas[0].engine.sync_engine
    judge = TenantGuard.__call__

    def spy(guard: TenantGuard, conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        judged[("replica" if conn.engine is replica else "primary", _names_tenant_table(statement))] += 1
        judge(guard, conn, cursor, statement, *rest)

    monkeypatch.setattr(TenantGuard, "__call__", spy)
    for document in FLOWS:
        response = await client.post("/graphql", json={"query": document, "variables": {"id": INVOICE_ID} if "$id" in document else {}})
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.text
    for method, path in [
        ("GET", f"/v1/invoices/{INVOICE_ID}"),
        ("GET", "/v1/invoices?limit=5&statuses[]=DRAFT"),
        ("POST", f"/v1/invoices/{INVOICE_ID}/refresh?dry_run=true"),
        ("POST", f"/v1/invoices/{INVOICE_ID}/refresh"),
    ]:
        assert (await client.request(method, path)).status_code == 200, path
    event = {**loaded["usage_events"][0], "reference": "evt-scoped", "value": "7"}
    await load(split, tmp_path, {"format": loaded["format"], "usage_events": [event]}, "late.json")

    assert judged[("replica", True)] >= 10, f"the guard judged the replica's tenant statements: {judged}"
    assert judged[("primary", True)] >= 10, f"and the primary's (writes, mutation responses, import): {judged}"
    assert tenant_guard.violations == []


def _names_tenant_table(statement: str) -> bool:
    # The guard's own parser, with the scoping hidden: would this statement be a violation unscoped?
    return unscoped_table(statement.replace("platform_id", "unscoped")) is not None
