"""The vendor REST routes: refresh, dry run and read, with the vendor's JSON and ApiError bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import orjson
import pytest
from sqlalchemy import update
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.db.tables import IdempotencyRecord
from invoicegraph.services.refresh.service import read_invoice
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, load
from tests.support.seed import add_key

SCHEMAS = Path(__file__).parent.parent.parent / "support" / "schemas"
INVOICE_SCHEMA = json.loads((SCHEMAS / "vendor-invoice.schema.json").read_text())
ERROR_SCHEMA = json.loads((SCHEMAS / "api-error.schema.json").read_text())
KEY = {"X-API-KEY": EXAMPLE_KEY}


def _invoice(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    jsonschema.validate(body, INVOICE_SCHEMA)
    return body


def _error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    jsonschema.validate(body, ERROR_SCHEMA)
    assert body["code"] == code
    assert response.headers["x-request-id"].startswith("reqr_")
    return body


@pytest.mark.usefixtures("data")
async def test_refresh_answers_the_vendor_invoice(client: httpx.AsyncClient) -> None:
    invoice = _invoice(await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers=KEY, json={"types": ["FULL"]}))
    assert invoice["object_type"] == "INVOICE"
    assert invoice["invoice_amount_including_tax"] == {"quantity": "124.60", "currency": "EUR"}
    assert invoice["customer"]["organization"]["legal_name"] == "Globex BV"
    assert invoice["billing_entity"]["legal_name"] == "Acme Cloud B.V."
    assert "version" not in invoice  # ours, not the vendor's
    assert invoice["payment_status"] == "UNPAID"
    # Our bookkeeping stays inside: no line product/category/stated amount, no snapshot meter value id,
    # no platform key on embedded records; a payment action embeds its acceptor (docs/rest.md).
    lines = [line for period in invoice["periods"] for group in period["groups"] for line in group["lines"]]
    assert lines
    assert not any({"product_id", "tax_category", "amount"} & set(line) for line in lines)
    assert all(set(line["meter_value"]) == {"reference", "type", "number", "amount"} for line in lines if line["meter_value"])
    assert any(line["meter_value"] for line in lines)
    assert invoice["meter_values"]
    assert all("platform_id" not in record for record in invoice["meter_values"])
    assert invoice["payment_actions"]
    for action in invoice["payment_actions"]:
        assert action["payment_acceptor"]["id"] == action["payment_acceptor_id"]
        assert "platform_id" not in action["payment_acceptor"]
    read = _invoice(await client.get(f"/v1/invoices/{INVOICE_ID}", headers=KEY))
    assert read == invoice


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize("body", [None, {}, {"type": "FULL"}, {"type": "CUSTOMER", "types": ["TAX_RATES", "CUSTOMER"]}, {"types": None}])
async def test_body_is_optional_and_type_and_types_merge(client: httpx.AsyncClient, body: dict[str, Any] | None) -> None:
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    _invoice(await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers=KEY, **kwargs))


@pytest.mark.usefixtures("data")
async def test_dry_run_writes_nothing(client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    event = {**data["usage_events"][0], "reference": "evt-dry", "value": "100"}
    await load(database, tmp_path, {"format": data["format"], "usage_events": [event]}, "more.json")
    response = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh?dry_run=true", headers=KEY)
    assert response.status_code == 200
    preview = response.json()
    jsonschema.validate(preview["invoice"], INVOICE_SCHEMA)
    assert preview["invoice"]["invoice_amount_including_tax"]["quantity"] == "128.60"
    assert any(c["path"].endswith("lines.1.amount_excluding_tax.quantity") for c in preview["changes"])
    stored = _invoice(await client.get(f"/v1/invoices/{INVOICE_ID}", headers=KEY))
    assert stored["invoice_amount_including_tax"]["quantity"] == "124.60"


@pytest.mark.usefixtures("data")
async def test_errors_use_the_vendor_codes_and_statuses(client: httpx.AsyncClient, database: Database) -> None:
    url = f"/v1/invoices/{INVOICE_ID}/refresh"
    _error(await client.post("/v1/invoices/invo_nope/refresh", headers=KEY), 404, "RESOURCE_NOT_FOUND")
    _error(await client.get("/v1/invoices/invo_nope", headers=KEY), 404, "RESOURCE_NOT_FOUND")
    _error(await client.post(url), 401, "UNAUTHORISED")
    _error(await client.post("/v2/invoices/x/refresh", headers=KEY), 400, "UNSUPPORTED_VERSION")
    _error(await client.post("/v/invoices/x/refresh", headers=KEY), 400, "MISSING_VERSION")
    bad_type = _error(await client.post(url, headers=KEY, json={"types": ["FULL", "EVERYTHING"]}), 400, "INVALID_FIELD")
    assert bad_type["field"] == "types.1"
    assert _error(await client.post(url, headers=KEY, json={"type": "NOPE"}), 400, "INVALID_FIELD")["field"] == "type"
    _error(await client.post(url, headers={**KEY, "content-type": "text/plain"}, content=b"types=FULL"), 415, "UNSUPPORTED_MEDIA_TYPE")
    _error(await client.post(url, headers={**KEY, "content-type": "application/json"}, content=b"{nope"), 400, "INVALID_FIELD")
    _error(await client.post(url, headers=KEY, json={"types": ["FULL"], "extra": 1}), 400, "INVALID_FIELD")
    viewer = await add_key(database, ["plat_acme"], ["INVOICE.VIEW"])
    _error(await client.post(url, headers={"X-API-KEY": viewer.key}), 403, "USER_NOT_ALLOWED")


@pytest.mark.usefixtures("data")
async def test_idempotent_replay_and_mismatch(client: httpx.AsyncClient) -> None:
    url = f"/v1/invoices/{INVOICE_ID}/refresh"
    headers = {**KEY, "Idempotency-Key": "rest-key-1"}
    first = await client.post(url, headers=headers, json={"types": ["FULL"]})
    again = await client.post(url, headers=headers, json={"types": ["FULL"]})
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    _error(await client.post(url, headers=headers, json={"types": ["CUSTOMER"]}), 409, "IDEMPOTENCY_CHECK_FAILED")


async def test_final_invoice_refresh_is_invalid_operation(
    client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    invoice = next(i for i in data["invoices"] if i["id"] == INVOICE_ID)
    zero = {"quantity": "0.00", "currency": "EUR"}
    void = {**invoice, "id": "invo_void", "status": "VOID", "invoice_amount_including_tax": zero,
            "periods": [{**p, "amount_excluding_tax": zero, "amount_including_tax": zero, "groups": []} for p in invoice["periods"]]}  # fmt: skip
    await load(database, tmp_path, {"format": data["format"], "invoices": [void]}, "void.json")
    body = _error(await client.post("/v1/invoices/invo_void/refresh", headers=KEY), 400, "INVALID_OPERATION")
    assert body["type"] == "INVALID_REQUEST"
    assert "VOID" in body["message"]
    assert (body["resource_id"], body["resource_type"]) == ("invo_void", "INVOICE")


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "CUSTOMER", "types": ["BOGUS"]}, "types.0"),  # once types.1: the index in the merged list
        ({"type": "CUSTOMER", "types": ["TAX_RATES", "FULL", "BOGUS"]}, "types.2"),
        ({"type": "BOGUS", "types": ["CUSTOMER"]}, "type"),
        ({"type": "BOGUS", "types": ["ALSO_BOGUS"]}, "type"),
    ],
)
async def test_a_bad_type_is_named_where_the_client_put_it(client: httpx.AsyncClient, body: dict[str, Any], field: str) -> None:
    response = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers=KEY, json=body)
    assert _error(response, 400, "INVALID_FIELD")["field"] == field


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({"types": [None]}, "null is not a refresh type"),
        ({"type": {"x": 1}}, '{"x":1} is not a refresh type'),
        ({"type": ["CUSTOMER"]}, '["CUSTOMER"] is not a refresh type'),
        ({"types": ["A" * 6000]}, f'"{"A" * 100}…" is not a refresh type'),
        ({"types": ["FULL"], "ex\ntra": 1}, 'Unknown field "ex\\ntra"'),
    ],
)
async def test_messages_show_what_was_sent_as_shortened_json(client: httpx.AsyncClient, body: dict[str, Any], shown: str) -> None:
    response = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers=KEY, json=body)
    message = _error(response, 400, "INVALID_FIELD")["message"]
    assert message.startswith(shown), message
    assert "None" not in message
    assert "'" not in message


@pytest.mark.usefixtures("data")
@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("POST", "/refresh"), ("POST", "/refresh?dry_run=true")])
async def test_an_id_longer_than_any_id_is_invalid_and_not_sent_back_whole(client: httpx.AsyncClient, method: str, suffix: str) -> None:
    long_id = "invo_" + "x" * 6000
    body = _error(await client.request(method, f"/v1/invoices/{long_id}{suffix}", headers=KEY), 400, "INVALID_FIELD")
    assert (body["field"], body["resource_id"]) == ("id", None)
    assert len(body["message"]) < 300
    longest = "invo_" + "x" * 59  # as long as an id can be: looked up, and missing like any other
    missing = _error(await client.request(method, f"/v1/invoices/{longest}{suffix}", headers=KEY), 404, "RESOURCE_NOT_FOUND")
    assert missing["resource_id"] == longest
    assert missing["message"] == f'Invoice "{longest}" was not found.'


@pytest.mark.usefixtures("data")
async def test_refresh_takes_no_other_query_parameter(client: httpx.AsyncClient) -> None:
    body = _error(await client.post(f"/v1/invoices/{INVOICE_ID}/refresh?page=1", headers=KEY), 400, "INVALID_FIELD")
    assert body["field"] == "page"


async def test_replay_is_the_stored_response_byte_for_byte(
    client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    # Given a keyed PO_NUMBER refresh answered once,
    url = f"/v1/invoices/{INVOICE_ID}/refresh"
    headers = {**KEY, "Idempotency-Key": "rest-bytes-1"}
    first = await client.post(url, headers=headers, json={"types": ["PO_NUMBER"]})
    assert [record["name"] for record in _invoice(first)["meter_values"]] == ["Calls"]
    assert "idempotent-replayed" not in first.headers

    # when an embedded record changes and the same request comes again,
    meters = [{**meter, "meter_values": [{**value, "name": "API calls"} for value in meter["meter_values"]]} for meter in data["meters"]]
    await load(database, tmp_path, {"format": data["format"], "meters": meters}, "renamed.json")
    replay = await client.post(url, headers=headers, json={"types": ["PO_NUMBER"]})

    # then the replay is the first response as it was sent: status, media type and bytes.
    assert replay.headers["idempotent-replayed"] == "true"
    assert (replay.status_code, replay.headers["content-type"], replay.content) == (
        first.status_code,
        first.headers["content-type"],
        first.content,
    )
    # Without the key, the same request runs again and embeds the live record.
    fresh = _invoice(await client.post(url, headers=KEY, json={"types": ["PO_NUMBER"]}))
    assert [record["name"] for record in fresh["meter_values"]] == ["API calls"]


@pytest.mark.usefixtures("data")
async def test_a_record_stored_before_the_upgrade_frees_its_key(client: httpx.AsyncClient, database: Database) -> None:
    # Given a key whose record holds the invoice dict, as records did before responses were stored as sent,
    url = f"/v1/invoices/{INVOICE_ID}/refresh"
    headers = {**KEY, "Idempotency-Key": "rest-legacy-1"}
    first = _invoice(await client.post(url, headers=headers, json={"types": ["PO_NUMBER"]}))
    async with database.write() as session:
        invoice = invoice_row_to_dict(await read_invoice(session, "plat_acme", INVOICE_ID))
        await session.execute(
            update(IdempotencyRecord)
            .where(col(IdempotencyRecord.platform_id) == "plat_acme", col(IdempotencyRecord.key) == "rest-legacy-1")
            .values(response_body=orjson.dumps(invoice).decode(), response_headers={})
        )
    # when the same request comes again, then it runs again (a refresh is safe to repeat) and answers
    # the vendor JSON: never our internal dict, which is all that record kept.
    again = await client.post(url, headers=headers, json={"types": ["PO_NUMBER"]})
    assert "idempotent-replayed" not in again.headers
    assert _invoice(again) == first
    replay = await client.post(url, headers=headers, json={"types": ["PO_NUMBER"]})
    assert (replay.headers["idempotent-replayed"], replay.content) == ("true", again.content)


async def test_embedded_payment_acceptors_use_the_vendor_names(
    client: httpx.AsyncClient, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    # Given an invoice offering an Adyen card acceptor with a link expiry and auto-rescue,
    card = {
        "id": "paya_card", "platform_id": "plat_acme", "billing_entity_id": "enti_nl", "reference": "card", "type": "PAYMENT_GATEWAY",
        "payment_gateway": {"integration_id": "intg_adyen", "collection_type": "LINK", "link_expiry_period": {"type": "DAY", "value": 14},
                            "adyen": {"auto_rescue_enabled": True, "auto_rescue_period": {"type": "DAY", "value": 7}}},
    }  # fmt: skip
    subscription = {**next(s for s in data["subscriptions"] if s["id"] == "psub_globex"), "payment_acceptor_ids": ["paya_card"]}
    await load(database, tmp_path, {"format": data["format"], "payment_acceptors": [card], "subscriptions": [subscription]}, "card.json")
    # when it is refreshed over REST, then the embedded acceptor has the vendor's names (docs/rest.md),
    invoice = _invoice(await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", headers=KEY, json={"types": ["PAYMENT_ACCEPTOR"]}))
    gateway = invoice["payment_actions"][0]["payment_acceptor"]["payment_gateway"]
    assert gateway["link"] == {"expiry_period": {"type": "DAY", "value": 14}}
    assert gateway["adyen"]["auto_rescue"] == {"enabled": True, "period": {"type": "DAY", "value": 7}}
    assert not {"link_expiry_period", "integration"} & set(gateway)
    assert not {"auto_rescue_enabled", "auto_rescue_period"} & set(gateway["adyen"])
    # while GraphQL keeps its flattened fields.
    query = """query($id: ID!) { invoice(id: $id) { paymentActions { paymentAcceptor { paymentGateway {
        linkExpiryPeriod { type value } adyen { autoRescueEnabled autoRescuePeriod { type value } } } } } } }"""
    body = (await client.post("/graphql", json={"query": query, "variables": {"id": INVOICE_ID}}, headers=KEY)).json()
    assert body["data"]["invoice"]["paymentActions"][0]["paymentAcceptor"]["paymentGateway"] == {
        "linkExpiryPeriod": {"type": "DAY", "value": 14},
        "adyen": {"autoRescueEnabled": True, "autoRescuePeriod": {"type": "DAY", "value": 7}},
    }
