"""Our subgraph on its own, over HTTP, as a gateway (or anyone who reaches it directly) sees it.

`_service` and `_entities` need a valid credential like every other field; entities are scoped to
the request's platform (another platform's id is null, in place); at most 100 representations.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import jwt
import pytest

from invoicegraph.settings import DEFAULT_JWT_SECRET

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"

ENTITIES = """
query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Invoice { id status customer { id } }
    ... on Customer { id reference }
    ... on BillingEntity { id legalName }
  }
}
"""


def post(
    live_server: LiveServer, query: str, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.post(
        f"{live_server.base_url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}, timeout=20
    )


def keyed(live_server: LiveServer) -> dict[str, str]:
    return {"x-api-key": live_server.api_key, "x-platform-id": live_server.platform_id}


def representations(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"representations": [{"__typename": typename, "id": id} for typename, id in pairs]}


def codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors", [])]


def test_service_sdl_needs_a_credential_and_is_the_committed_schema(live_server: LiveServer) -> None:
    anonymous = post(live_server, "{ _service { sdl } }").json()
    served = post(live_server, "{ _service { sdl } }", headers=keyed(live_server)).json()

    assert anonymous["data"] is None
    assert codes(anonymous) == ["UNAUTHORISED"]
    assert "errors" not in served, served
    assert served["data"]["_service"]["sdl"] + "\n" == SCHEMA_FILE.read_text(encoding="utf-8"), "schema.graphql is stale: run `make schema`"


def test_entities_need_a_credential(live_server: LiveServer) -> None:
    body = post(live_server, ENTITIES, representations(("Invoice", "invo_globex_2026_10"))).json()

    assert body["data"] is None
    assert codes(body) == ["UNAUTHORISED"]


def test_entities_need_invoice_view(live_server: LiveServer) -> None:
    token = jwt.encode(
        {"sub": "preview-only", "exp": int(time.time()) + 600, "platforms": [live_server.platform_id], "permissions": ["INVOICE.PREVIEW"]},
        DEFAULT_JWT_SECRET,
        algorithm="HS256",
    )

    body = post(live_server, ENTITIES, representations(("Invoice", "invo_globex_2026_10")), {"authorization": f"Bearer {token}"}).json()

    assert codes(body) == ["USER_NOT_ALLOWED"]


def test_entities_resolve_in_order_and_another_platforms_ids_are_null(live_server: LiveServer) -> None:
    # Given the demo platform's invoice, customer and billing entity, an initech customer, and an unknown id
    variables = representations(
        ("Customer", "cust_dunder"),  # plat_initech's
        ("Invoice", "invo_globex_2026_10"),
        ("Customer", "cust_globex"),
        ("BillingEntity", "enti_nl"),
        ("Invoice", "invo_nowhere"),
    )

    # When a gateway asks for them on the demo platform
    body = post(live_server, ENTITIES, variables, keyed(live_server)).json()

    # Then each is resolved in place; the other platform's and the unknown one alike are null
    assert "errors" not in body, body
    entities = body["data"]["_entities"]
    assert [entity and (entity["__typename"], entity["id"]) for entity in entities] == [
        None,
        ("Invoice", "invo_globex_2026_10"),
        ("Customer", "cust_globex"),
        ("BillingEntity", "enti_nl"),
        None,
    ]
    assert entities[1]["customer"] == {"id": "cust_globex"}
    assert entities[2]["reference"] == "globex"
    assert entities[3]["legalName"]


def test_at_most_100_representations(live_server: LiveServer) -> None:
    hundred = representations(*[("Invoice", f"invo_{n}") for n in range(100)])
    too_many = representations(*[("Invoice", f"invo_{n}") for n in range(101)])

    allowed = post(live_server, ENTITIES, hundred, keyed(live_server)).json()
    refused = post(live_server, ENTITIES, too_many, keyed(live_server)).json()

    assert allowed["data"]["_entities"] == [None] * 100
    assert refused["data"] is None
    assert codes(refused) == ["INVALID_REQUEST"]
    assert refused["errors"][0]["message"] == "_entities accepts at most 100 representations per request; 101 were sent."
