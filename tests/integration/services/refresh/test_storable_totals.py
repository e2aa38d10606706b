"""A total the database cannot hold is a coded refusal, never a numeric overflow (services/refresh/service.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from invoicegraph.db.engine import Database
from invoicegraph.services.importing import import_files
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load

KEY = {"X-API-KEY": EXAMPLE_KEY}
HUGE = "999999999999999"  # 15 digits before the point: within the import's bound for one value


def _huge_usage(data: dict[str, Any]) -> dict[str, Any]:
    """Each value within the import's bounds; their product (about 10^30) is not a storable total."""
    plans = data["pricing_plans"]
    plans[0]["items"][1]["tiers"][-1]["unit_price"] = HUGE
    events = [{**event, "reference": f"{event['reference']}-huge", "value": HUGE} for event in data["usage_events"]]
    return {"format": data["format"], "pricing_plans": plans, "usage_events": events}


async def test_a_refresh_to_a_total_beyond_26_digits_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, database: Database, tmp_path: Path
) -> None:
    data: dict[str, Any] = example()
    await load(database, tmp_path, data, "example.json")
    await load(database, tmp_path, _huge_usage(data), "huge.json")  # no invoice in it: nothing computed yet
    before = (await client.get(f"/v1/invoices/{INVOICE_ID}", headers=KEY)).json()

    refused = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={"types": ["FULL"]}, headers=KEY)
    assert refused.status_code == 400, refused.text
    assert (refused.json()["code"], refused.json()["resource_id"]) == ("INVALID_OPERATION", INVOICE_ID)
    query = 'mutation { refreshInvoice(id: "' + INVOICE_ID + '", types: [FULL]) { id } }'
    body = (await client.post("/graphql", json={"query": query}, headers=KEY)).json()
    assert body["errors"][0]["extensions"]["code"] == "INVALID_OPERATION"
    assert (await client.get(f"/v1/invoices/{INVOICE_ID}", headers=KEY)).json() == before  # nothing written


async def test_an_import_computing_such_a_total_is_refused_whole(database: Database, tmp_path: Path) -> None:
    data: dict[str, Any] = example()
    huge = _huge_usage(example())
    data["pricing_plans"], data["usage_events"] = huge["pricing_plans"], data["usage_events"] + huge["usage_events"]
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = await import_files(database, [path], progress=False)
    (file,) = report.files
    assert not file.ok
    assert [(p.path, "26 digits" in p.message) for p in file.problems] == [("invoices", True)]
