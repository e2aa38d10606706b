"""`_entities` resolves representations to their types, stays platform-scoped, and is limited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from invoicegraph.app import create_app
from invoicegraph.db.engine import Database
from invoicegraph.settings import Settings
from tests.support.api import Api
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, load
from tests.unit.schema.conftest import Keys
from tests.unit.schema.support import FINAL_ID, parameter_values, reads_of

ENTITIES = """
query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Invoice { id status customer { id } }
    ... on Customer { id reference }
    ... on BillingEntity { id legalName }
  }
}
"""


def reps(*pairs: tuple[str, str]) -> dict[str, Any]:
    return {"representations": [{"__typename": typename, "id": id} for typename, id in pairs]}


async def test_entities_resolve_in_order_and_another_platforms_id_is_null(api: Api, database: Database, tmp_path: Path) -> None:
    # Given an invoice of another platform, which the example key cannot see
    other = {
        "format": "invoicegraph/v1",
        "platforms": [{"id": "plat_other", "name": "Other", "settings": {}}],
        "billing_entities": [{"id": "enti_other", "platform_id": "plat_other", "reference": "o", "legal_name": "Other B.V.",
                              "registered_address": {"line1": "Dam 1", "city": "Amsterdam", "postal_code": "1012 JS", "country": "NL"}}],
    }  # fmt: skip
    await load(database, tmp_path, other, "other.json")
    variables = reps(("Customer", "cust_globex"), ("Invoice", INVOICE_ID), ("BillingEntity", "enti_nl"), ("BillingEntity", "enti_other"))

    body = await api.graphql(ENTITIES, variables)

    assert "errors" not in body, body["errors"]
    assert body["data"] == {
        "_entities": [
            {"__typename": "Customer", "id": "cust_globex", "reference": "globex"},
            {"__typename": "Invoice", "id": INVOICE_ID, "status": "DRAFT", "customer": {"id": "cust_globex"}},
            {"__typename": "BillingEntity", "id": "enti_nl", "legalName": "Acme Cloud B.V."},
            None,  # exactly what a missing id answers
        ]
    }


async def test_entities_of_one_type_are_loaded_in_one_batch(api: Api, database: Database) -> None:
    with reads_of(database, "invoice") as invoice_reads:
        body = await api.graphql(ENTITIES, reps(("Invoice", INVOICE_ID), ("Invoice", FINAL_ID), ("Invoice", INVOICE_ID)))

    assert [entity["id"] for entity in body["data"]["_entities"]] == [INVOICE_ID, FINAL_ID, INVOICE_ID]
    (read,) = invoice_reads
    asked = [value for value in parameter_values(read["parameters"]) if value in (INVOICE_ID, FINAL_ID)]
    assert sorted(asked) == sorted([INVOICE_ID, FINAL_ID])


async def test_too_many_representations_are_refused_before_loading(settings: Settings, database: Database, data: dict[str, Any]) -> None:
    app = create_app(settings.model_copy(update={"max_entities": 2}), database)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        with reads_of(database, "invoice") as invoice_reads:
            response = await client.post(
                "/graphql",
                json={"query": ENTITIES, "variables": reps(*[("Invoice", INVOICE_ID)] * 3)},
                headers={"X-API-KEY": EXAMPLE_KEY},
            )

    body = response.json()
    assert body["data"] is None
    error = body["errors"][0]
    assert "_entities accepts at most 2 representations" in error["message"]
    assert (error["extensions"]["code"], error["extensions"]["type"]) == ("INVALID_REQUEST", "INVALID_REQUEST")
    assert invoice_reads == []


async def test_entities_need_invoice_view(keys: Keys) -> None:
    refresher = await keys.api("INVOICE.REFRESH")

    body = await refresher.graphql(ENTITIES, reps(("Invoice", INVOICE_ID)))

    assert body["errors"][0]["extensions"]["code"] == "USER_NOT_ALLOWED"
    assert "invo_globex" not in str(body.get("data"))


async def test_service_sdl_needs_a_credential_but_no_permission(client: httpx.AsyncClient, keys: Keys) -> None:
    anonymous = (await client.post("/graphql", json={"query": "{ _service { sdl } }"})).json()
    refresher = await (await keys.api("INVOICE.REFRESH")).graphql("{ _service { sdl } }")

    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHORISED"
    assert "errors" not in refresher, refresher["errors"]
    sdl = refresher["data"]["_service"]["sdl"]
    assert 'type Invoice @key(fields: "id")' in sdl
    assert "type PageInfo @shareable" in sdl
