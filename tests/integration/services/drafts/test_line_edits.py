"""Line edits over HTTP (GraphQL and REST) on the example import file, on SQLite and PostgreSQL.

The edit must survive every refresh, FULL included, with what derives from the line computed again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.event_tables import OutboxEvent
from invoicegraph.db.tables import LineEditRecord
from tests.support.api import Api
from tests.support.data import INVOICE_ID, load, record

LINE = "id description type amountExcludingTax { quantity } amountIncludingTax { quantity } adjustment { id by at quantity unitPrice originalAmount { quantity } originalDescription }"
INVOICE = f"""
id version
invoiceAmountIncludingTax {{ quantity }}
taxSummary {{ baseAmount {{ quantity }} taxAmount {{ quantity }} totalAmount {{ quantity }} }}
validationResult {{ status details }}
periods {{ groups {{ lines {{ {LINE} }} }} }}
"""
ADJUST = f"""
mutation($invoice: ID!, $line: ID!, $input: InvoiceLineAdjustmentInput!) {{
  adjustInvoiceLine(invoiceId: $invoice, lineId: $line, input: $input) {{ {INVOICE} }}
}}
"""
REMOVE = f"mutation($invoice: ID!, $line: ID!) {{ removeInvoiceLine(invoiceId: $invoice, lineId: $line) {{ {INVOICE} }} }}"
REVERT = f"mutation($invoice: ID!, $line: ID!) {{ revertInvoiceLine(invoiceId: $invoice, lineId: $line) {{ {INVOICE} }} }}"
ADD = f"""
mutation($invoice: ID!, $input: AddInvoiceLineInput!) {{ addInvoiceLine(invoiceId: $invoice, input: $input) {{ {INVOICE} }} }}
"""
READ = f"query($id: ID!) {{ invoice(id: $id) {{ {INVOICE} }} }}"
FULL = f"mutation($id: ID!) {{ refreshInvoice(id: $id, types: [FULL]) {{ {INVOICE} }} }}"
# The preview's invoice and lines name their ids `invoiceId` and `lineId` (types of their own, so that a
# client cache never mistakes them for the stored ones); aliased here to compare with the saved invoice.
PREVIEW_INVOICE = INVOICE.replace("id version", "id: invoiceId version", 1).replace(
    f"lines {{ {LINE} }}", f"lines {{ id: lineId {LINE[3:]} }}"
)
PREVIEW = f"query($id: ID!) {{ invoiceRefreshPreview(id: $id, types: [FULL]) {{ changes {{ path before after }} invoice {{ {PREVIEW_INVOICE} }} }} }}"


def lines(invoice: dict[str, Any]) -> list[dict[str, Any]]:
    return [line for period in invoice["periods"] for group in period["groups"] for line in group["lines"]]


def line(invoice: dict[str, Any], description: str) -> dict[str, Any]:
    return next(found for found in lines(invoice) if found["description"] == description)


def ok(body: dict[str, Any], field: str) -> dict[str, Any]:
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][field]
    return result


EDITOR_KEY = "igk_test_eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"


@pytest.fixture
async def editor(database: Database, tmp_path: Path, data: dict[str, Any], api: Api) -> Api:
    """The example, a second key allowed to edit lines, its customer without a VAT id (so the invoice is taxed).

    A key an import delivered never changes its permissions (docs/security.md): the editor is a key of its own.
    """
    data["api_keys"].append({**data["api_keys"][0], "id": "akey_editor", "name": "editor", "key": EDITOR_KEY})
    data["api_keys"][-1]["permissions"] = [*data["api_keys"][0]["permissions"], "INVOICE.LINE.EDIT"]
    del record(data, "customers", "cust_globex")["organization"]["tax_id"]
    await load(database, tmp_path, data, "editor.json")
    editing = Api(api.client, {"X-API-KEY": EDITOR_KEY})
    ok(await editing.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    return editing


async def _calls_line(api: Api) -> dict[str, Any]:
    return line(ok(await api.graphql(READ, {"id": INVOICE_ID}), "invoice"), "API calls")


async def test_an_adjusted_line_survives_a_full_refresh_after_late_usage(
    editor: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    calls = await _calls_line(editor)
    assert calls["amountExcludingTax"] == {"quantity": "94.50"}
    edited = ok(
        await editor.graphql(
            ADJUST,
            {
                "invoice": INVOICE_ID,
                "line": calls["id"],
                "input": {"quantity": "1000", "unitPrice": "0.08", "description": "API calls (agreed)"},
            },
        ),
        "adjustInvoiceLine",
    )
    adjusted = line(edited, "API calls (agreed)")
    assert adjusted["amountExcludingTax"] == {"quantity": "80.00"}
    assert adjusted["amountIncludingTax"] == {"quantity": "96.80"}  # 21 % computed on the edited amount
    assert adjusted["adjustment"]["by"] == "api_key:akey_editor"  # the credential identity, as audits name it
    assert adjusted["adjustment"]["originalAmount"] == {"quantity": "94.50"}
    assert adjusted["adjustment"]["originalDescription"] == "API calls"
    assert (adjusted["adjustment"]["quantity"], adjusted["adjustment"]["unitPrice"]) == ("1000", "0.08")

    # Late usage arrives (100 more calls: the computed line becomes 99.50); a FULL refresh rebuilds the lines.
    data["usage_events"].append({**data["usage_events"][0], "reference": "evt-late", "value": "100"})
    await load(database, tmp_path, {**data, "invoices": []}, "late.json")
    preview = ok(await editor.graphql(PREVIEW, {"id": INVOICE_ID}), "invoiceRefreshPreview")
    refreshed = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    kept = line(refreshed, "API calls (agreed)")
    assert kept["amountExcludingTax"] == {"quantity": "80.00"}
    assert kept["adjustment"]["originalAmount"] == {"quantity": "99.50"}  # the edit sits on the new computation
    # The 20 % launch coupon on the API product now discounts the adjusted amount: 80.00 × 20 % = 16.00.
    assert [found["amountExcludingTax"]["quantity"] for found in lines(refreshed) if found["type"] == "DISCOUNT"] == ["-16.00"]
    # 49.00 + 80.00 − 16.00 = 113.00, and 21 % of it.
    assert refreshed["taxSummary"] == {
        "baseAmount": {"quantity": "113.00"},
        "taxAmount": {"quantity": "23.73"},
        "totalAmount": {"quantity": "136.73"},
    }
    assert refreshed["invoiceAmountIncludingTax"] == {"quantity": "136.73"}
    # The preview showed exactly what the refresh saved, the edit included.
    assert {k: v for k, v in preview["invoice"].items() if k != "version"} == {k: v for k, v in refreshed.items() if k != "version"}


async def test_an_orphaned_adjustment_is_kept_with_a_warning_and_comes_back_with_its_line(
    editor: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    calls = await _calls_line(editor)
    ok(await editor.graphql(ADJUST, {"invoice": INVOICE_ID, "line": calls["id"], "input": {"amount": "70.00"}}), "adjustInvoiceLine")
    plan = record(data, "pricing_plans", "ppln_std")
    items = plan["items"]
    plan["items"] = [item for item in items if item["id"] != "pitm_calls"]
    await load(database, tmp_path, {**data, "invoices": []}, "no-calls.json")
    refreshed = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    assert [found["description"] for found in lines(refreshed)] == ["Base fee"]
    warnings = [entry for entry in refreshed["validationResult"] if entry["status"] == "WARNING"]
    assert len(warnings) == 1
    assert calls["id"] in warnings[0]["details"]
    assert "pitm_calls" in warnings[0]["details"]
    # The item comes back: so does the edited line, and the warning goes.
    plan["items"] = items
    await load(database, tmp_path, {**data, "invoices": []}, "calls-again.json")
    back = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    assert line(back, "API calls")["amountExcludingTax"] == {"quantity": "70.00"}
    assert [entry for entry in back["validationResult"] if entry["status"] == "WARNING"] == []


async def test_remove_and_revert_survive_refreshes_and_are_audited_with_events(editor: Api, database: Database) -> None:
    calls = await _calls_line(editor)
    removed = ok(await editor.graphql(REMOVE, {"invoice": INVOICE_ID, "line": calls["id"]}), "removeInvoiceLine")
    assert "API calls" not in [found["description"] for found in lines(removed)]
    refreshed = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    assert "API calls" not in [found["description"] for found in lines(refreshed)]
    assert [found["type"] for found in lines(refreshed)] == ["REVENUE"]  # no API line: no coupon on it either
    reverted = ok(await editor.graphql(REVERT, {"invoice": INVOICE_ID, "line": calls["id"]}), "revertInvoiceLine")
    # Undoing the removal shows the line at once, as computed (its coupon discount follows at the next FULL).
    assert line(reverted, "API calls")["amountExcludingTax"] == {"quantity": "94.50"}
    assert line(reverted, "API calls")["adjustment"] is None
    refreshed = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    assert line(refreshed, "API calls")["adjustment"] is None
    assert line(refreshed, "API calls")["amountExcludingTax"] == {"quantity": "94.50"}
    async with database.read() as session:
        audits = (await session.scalars(select(LineEditRecord).where(col(LineEditRecord.invoice_id) == INVOICE_ID))).all()
        events = (await session.scalars(select(OutboxEvent).where(col(OutboxEvent.invoice_id) == INVOICE_ID))).all()
    assert sorted((a.action, a.version_before, a.version_after) for a in audits) == sorted(
        [("REMOVE", removed["version"] - 1, removed["version"]), ("REVERT", reverted["version"] - 1, reverted["version"])]
    )
    assert {e.version for e in events} >= {removed["version"], reverted["version"]}


async def test_refusals_name_the_field_and_write_nothing(editor: Api, api: Api, database: Database) -> None:
    calls = await _calls_line(editor)
    cases = [
        ({"amount": "1.00", "quantity": "1", "unitPrice": "1"}, "INVALID_FIELD", "input.amount"),
        ({"quantity": "1"}, "MISSING_FIELD", "input.unitPrice"),
        ({"quantity": "-1", "unitPrice": "1"}, "INVALID_FIELD", "input.quantity"),
        ({"amount": "1.001"}, "INVALID_FIELD", "input.amount"),
        ({"description": "  "}, "INVALID_FIELD", "input.description"),
        ({}, "MISSING_FIELD", "input"),
    ]
    for values, code, field in cases:
        body = await editor.graphql(ADJUST, {"invoice": INVOICE_ID, "line": calls["id"], "input": values})
        extensions = body["errors"][0]["extensions"]
        assert (extensions["code"], extensions.get("field")) == (code, field), (values, body)
    missing = await editor.graphql(ADJUST, {"invoice": INVOICE_ID, "line": "invl_nope", "input": {"amount": "1.00"}})
    assert missing["errors"][0]["extensions"]["code"] == "RESOURCE_NOT_FOUND"
    discount = next(found for found in lines(ok(await editor.graphql(READ, {"id": INVOICE_ID}), "invoice")) if found["type"] == "DISCOUNT")
    refused = await editor.graphql(ADJUST, {"invoice": INVOICE_ID, "line": discount["id"], "input": {"amount": "1.00"}})
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_OPERATION"
    nothing = await editor.graphql(REVERT, {"invoice": INVOICE_ID, "line": calls["id"]})
    assert nothing["errors"][0]["extensions"]["code"] == "INVALID_OPERATION"
    async with database.read() as session:
        assert (await session.scalars(select(LineEditRecord))).all() == []
    assert (await _calls_line(editor))["adjustment"] is None


async def test_rest_routes_edit_lines_with_an_idempotency_key(editor: Api) -> None:
    calls = await _calls_line(editor)
    headers = {**editor.headers, "Idempotency-Key": "edit-1"}
    path = f"/v1/invoices/{INVOICE_ID}/lines/{calls['id']}"
    first = await editor.client.patch(path, json={"amount": "60.00"}, headers=headers)
    again = await editor.client.patch(path, json={"amount": "60.00"}, headers=headers)
    assert first.status_code == again.status_code == 200, first.text
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.content == first.content
    body = first.json()
    edited = next(found for p in body["periods"] for g in p["groups"] for found in g["lines"] if found["id"] == calls["id"])
    assert edited["amount_excluding_tax"]["quantity"] == "60.00"
    assert edited["adjustment"]["original_amount"]["quantity"] == "94.50"
    other = await editor.client.patch(path, json={"amount": "61.00"}, headers=headers)
    assert other.status_code == 409
    bad = await editor.client.patch(path, json={"amount": 60}, headers=editor.headers)
    assert (bad.status_code, bad.json()["field"]) == (400, "amount"), bad.text
    removed = await editor.client.delete(path, headers=editor.headers)
    assert removed.status_code == 200
    assert calls["id"] not in [found["id"] for p in removed.json()["periods"] for g in p["groups"] for found in g["lines"]]
    reverted = await editor.client.post(f"{path}/revert", headers=editor.headers)
    assert reverted.status_code == 200


async def test_a_caller_without_the_permission_is_refused(api: Api) -> None:
    calls = await _calls_line(api)
    body = await api.graphql(ADJUST, {"invoice": INVOICE_ID, "line": calls["id"], "input": {"amount": "1.00"}})
    assert body["errors"][0]["extensions"]["code"] == "USER_NOT_ALLOWED"
    rest = await api.client.patch(f"/v1/invoices/{INVOICE_ID}/lines/{calls['id']}", json={"amount": "1.00"}, headers=api.headers)
    assert rest.status_code == 403


async def test_an_added_line_is_taxed_discounted_and_kept_by_a_full_refresh(
    editor: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    added = ok(
        await editor.graphql(
            ADD,
            {"invoice": INVOICE_ID, "input": {"productId": "prod_api", "quantity": "4", "unitPrice": "2.50", "description": "Setup work"}},
        ),
        "addInvoiceLine",
    )
    line_ = line(added, "Setup work")
    assert line_["amountExcludingTax"] == {"quantity": "10.00"}
    assert line_["amountIncludingTax"] == {"quantity": "12.10"}  # the API product's STANDARD rate, 21 %
    assert line_["adjustment"]["originalAmount"] is None
    data["usage_events"].append({**data["usage_events"][0], "reference": "evt-late", "value": "100"})
    await load(database, tmp_path, {**data, "invoices": []}, "late.json")
    refreshed = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    assert line(refreshed, line_["description"])["id"] == line_["id"]
    # The launch coupon on the API product discounts the usage line and the added one: (99.50 + 10.00) × 20 %.
    assert [found["amountExcludingTax"]["quantity"] for found in lines(refreshed) if found["type"] == "DISCOUNT"] == ["-21.90"]
    assert refreshed["taxSummary"]["baseAmount"] == {"quantity": "136.60"}  # 49.00 + 99.50 + 10.00 − 21.90
    renamed = ok(
        await editor.graphql(ADJUST, {"invoice": INVOICE_ID, "line": line_["id"], "input": {"description": "Support hours"}}),
        "adjustInvoiceLine",
    )
    assert line(renamed, "Support hours")["amountExcludingTax"] == {"quantity": "10.00"}
    gone = ok(await editor.graphql(REMOVE, {"invoice": INVOICE_ID, "line": line_["id"]}), "removeInvoiceLine")
    assert line_["id"] not in [found["id"] for found in lines(gone)]
    again = ok(await editor.graphql(FULL, {"id": INVOICE_ID}), "refreshInvoice")
    assert line_["id"] not in [found["id"] for found in lines(again)]


async def test_adding_a_line_refuses_what_it_cannot_place(editor: Api) -> None:
    cases = [
        ({"productId": "prod_nope", "amount": "1.00"}, "INVALID_FIELD", "input.productId"),
        ({"productId": "prod_api"}, "MISSING_FIELD", "input.amount"),
        ({"productId": "prod_api", "amount": "1.00", "subscriptionId": "psub_nope"}, "INVALID_FIELD", "input.subscriptionId"),
        ({"productId": "prod_api", "amount": "1.00", "periodOrder": 3}, "INVALID_FIELD", "input.periodOrder"),
    ]
    for values, code, field in cases:
        body = await editor.graphql(ADD, {"invoice": INVOICE_ID, "input": values})
        extensions = body["errors"][0]["extensions"]
        assert (extensions["code"], extensions.get("field")) == (code, field), (values, body)
    rest = await editor.client.post(
        f"/v1/invoices/{INVOICE_ID}/lines", json={"product_id": "prod_api", "amount": "5.00"}, headers=editor.headers
    )
    assert rest.status_code == 200, rest.text
    added = [found for p in rest.json()["periods"] for g in p["groups"] for found in g["lines"] if found.get("adjustment")]
    assert [found["amount_excluding_tax"]["quantity"] for found in added] == ["5.00"]
    refused = await editor.client.post(f"/v1/invoices/{INVOICE_ID}/lines", json={"amount": "5.00"}, headers=editor.headers)
    assert (refused.status_code, refused.json()["field"]) == (400, "product_id")
