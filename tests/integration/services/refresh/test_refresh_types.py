"""Each refresh type re-reads only its part (docs/refresh.md); derived values always follow.

Given the example data, when a source changes and the invoice is refreshed with one type alone,
then only that type's fields and the derived values change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from invoicegraph.db.engine import Database
from invoicegraph.library_internals import graphql_core_schema
from invoicegraph.schema.build import build_schema
from tests.support.api import Api
from tests.support.data import INVOICE_ID, load, record

HISTORY = "query($id: ID!) { invoice(id: $id) { refreshHistory(first: 1) { edges { node { changed changedPaths } } } } }"

# Recomputed by every refresh, whatever the type (GraphQL roots: the history names GraphQL's fields).
DERIVED = {
    "periods", "taxCategories", "taxSummary", "invoiceAmountIncludingTax", "openInvoiceAmount", "closedInvoiceAmount",
    "paymentStatus", "validationResult", "usedTaxRegistration", "onHold",
}  # fmt: skip
OWN = {
    "CUSTOMER": {"customerDetails", "customerReference", "processingOnlyCustomers", "forwardedFromCustomers"},
    "BILLING_ENTITY": {"billingEntityDetails", "usedTaxRegistration"},
    "CUSTOM_FIELD": {"customFields", "otherCustomFields"},
    "PAYMENT_ACCEPTOR": {"paymentAcceptorIds", "paymentActions", "payInvoiceLink"},
    "PO_NUMBER": {"purchaseOrderNumber"},
    "TAX_RATES": set(),
}
INVOICE_FIELDS = set(graphql_core_schema(build_schema()).type_map["Invoice"].fields)  # type: ignore[union-attr]


def _only(data: dict[str, Any], **sections: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format": data["format"], **sections}


async def _changed_paths(api: Api) -> list[str]:
    body = await api.graphql(HISTORY, {"id": INVOICE_ID})
    node = body["data"]["invoice"]["refreshHistory"]["edges"][0]["node"]
    assert node["changed"] or not node["changedPaths"]
    paths: list[str] = node["changedPaths"]
    return paths


async def _changed_roots(api: Api) -> set[str]:
    return {path.split(".")[0] for path in await _changed_paths(api)}


def _lines(invoice: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (line["description"], line["amountExcludingTax"]["quantity"])
        for p in invoice["periods"]
        for g in p["groups"]
        for line in g["lines"]
    ]


async def _late_usage(database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    """Usage that only a FULL refresh may pick up: every other type must leave the lines alone."""
    event = {**data["usage_events"][0], "reference": "evt-late", "value": "1000"}
    await load(database, tmp_path, _only(data, usage_events=[event]), "late.json")


async def _refresh_alone(api: Api, refresh_type: str) -> tuple[dict[str, Any], set[str]]:
    body = await api.refresh(INVOICE_ID, [refresh_type])
    assert "errors" not in body, body
    roots = await _changed_roots(api)
    assert roots, f"{refresh_type}: nothing changed"
    assert roots <= INVOICE_FIELDS, roots - INVOICE_FIELDS  # GraphQL field names only, never our internal keys
    assert roots <= OWN[refresh_type] | DERIVED, roots - OWN[refresh_type] - DERIVED
    return body["data"]["refreshInvoice"], roots


async def test_customer(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    customer = record(data, "customers", "cust_globex")
    customer["email"] = "invoices@globex.example"
    # Globex moves to the Netherlands: domestic sale, 21 % (the NL rate was not stored yet, so it is
    # looked up; TAX_RATES is what re-reads rates already stored).
    customer["organization"]["registered_address"] = {"line1": "Dam 1", "city": "Amsterdam", "postal_code": "1012 JS", "country": "NL"}
    await load(database, tmp_path, _only(data, customers=[customer]), "customer.json")
    await _late_usage(database, tmp_path, data)
    invoice, roots = await _refresh_alone(api, "CUSTOMER")
    assert invoice["customerDetails"]["email"] == "invoices@globex.example"
    assert invoice["customerDetails"]["address"]["country"] == "NL"
    assert {"customerDetails", "taxSummary"} <= roots
    paths = await _changed_paths(api)
    assert {"customerDetails.email", "customerDetails.address.country"} <= set(paths)
    assert not [p for p in paths if p.endswith("copiedAt")]  # ours, not in the vendor JSON
    assert invoice["taxSummary"]["taxAmount"] == {"quantity": "26.17"}  # 124.60 × 21 % = 26.166
    assert ("API calls", "94.50") in _lines(invoice)  # not re-rated


async def test_billing_entity(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    entity = record(data, "billing_entities", "enti_nl")
    entity["legal_name"] = "Acme Cloud Europe B.V."
    await load(database, tmp_path, _only(data, billing_entities=[entity]), "entity.json")
    await _late_usage(database, tmp_path, data)
    invoice, roots = await _refresh_alone(api, "BILLING_ENTITY")
    assert invoice["billingEntityDetails"]["legalName"] == "Acme Cloud Europe B.V."
    assert roots == {"billingEntityDetails"}
    assert await _changed_paths(api) == ["billingEntityDetails.legalName"]
    assert ("API calls", "94.50") in _lines(invoice)


async def test_custom_field(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    customer = record(data, "customers", "cust_globex")
    customer["custom_fields"] = [{"reference": "cost_center", "value": "CC-43"}]
    customer["email"] = "not-refreshed@globex.example"
    await load(database, tmp_path, _only(data, customers=[customer]), "fields.json")
    invoice, roots = await _refresh_alone(api, "CUSTOM_FIELD")
    assert invoice["customFields"] == [{"reference": "cost_center", "value": "CC-43"}]
    assert invoice["customerDetails"]["email"] == "ap@globex.example"  # CUSTOMER was not asked for
    assert roots == {"customFields"}


async def test_payment_acceptor(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    second = {**record(data, "payment_acceptors", "paya_bank"), "id": "paya_bank2", "reference": "bank2", "name": "Second bank"}
    subscription = record(data, "subscriptions", "psub_globex")
    subscription["payment_acceptor_ids"] = ["paya_bank2", "paya_bank"]
    await load(database, tmp_path, _only(data, payment_acceptors=[second], subscriptions=[subscription]), "acceptors.json")
    invoice, roots = await _refresh_alone(api, "PAYMENT_ACCEPTOR")
    assert invoice["paymentAcceptorIds"] == ["paya_bank2", "paya_bank"]
    assert roots <= {"paymentAcceptorIds", "paymentActions"}


PAYMENT = """
query($id: ID!) {
  invoice(id: $id) {
    paymentActions {
      paymentAcceptorId type
      bankAccount { iban }
      paymentGateway { variant collectionType adyen { sessionId } stripe { paymentIntentId } }
      customRedirect { url }
    }
    payInvoiceLink { url portalUrlId expiryPeriod { type value } }
  }
}
"""
CARD = {
    "id": "paya_card", "platform_id": "plat_acme", "billing_entity_id": "enti_nl", "reference": "card", "name": "Card",
    "type": "PAYMENT_GATEWAY", "status": "ACTIVE",
    "payment_gateway": {"integration_id": "intg_adyen", "collection_type": "LINK", "link_expiry_period": {"type": "DAY", "value": 14},
                        "adyen": {"merchant_account": "AcmeEU", "auto_rescue_enabled": True, "auto_rescue_period": {"type": "DAY", "value": 7}}},
}  # fmt: skip
PORTAL = {
    "id": "paya_portal", "platform_id": "plat_acme", "billing_entity_id": "enti_nl", "reference": "portal", "name": "Portal",
    "type": "CUSTOM_REDIRECT", "status": "ACTIVE", "custom_redirect": {"url": "https://pay.acme.example/invoices"},
}  # fmt: skip


async def _offer(database: Database, tmp_path: Path, data: dict[str, Any], name: str, acceptor_ids: list[str]) -> None:
    subscription = {**record(data, "subscriptions", "psub_globex"), "payment_acceptor_ids": acceptor_ids}
    await load(database, tmp_path, _only(data, payment_acceptors=[CARD, PORTAL], subscriptions=[subscription]), name)


async def test_payment_acceptor_actions_carry_the_details_of_their_type(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any]
) -> None:
    # Given a card (Adyen, paid by link), a redirect to a payment page and a bank account, in that order,
    await _offer(database, tmp_path, data, "offer.json", ["paya_card", "paya_portal", "paya_bank"])
    # when the invoice's payment acceptors are refreshed,
    await _refresh_alone(api, "PAYMENT_ACCEPTOR")
    invoice = (await api.graphql(PAYMENT, {"id": INVOICE_ID}))["data"]["invoice"]
    # then each action holds the details of its acceptor's type, and nothing else,
    card, portal, bank = invoice["paymentActions"]
    assert card == {
        "paymentAcceptorId": "paya_card",
        "type": "PAYMENT_GATEWAY",
        "bankAccount": None,
        "paymentGateway": {"variant": "ADYEN", "collectionType": "LINK", "adyen": None, "stripe": None},
        "customRedirect": None,
    }
    assert (portal["type"], portal["customRedirect"], portal["paymentGateway"], portal["bankAccount"]) == (
        "CUSTOM_REDIRECT",
        {"url": "https://pay.acme.example/invoices"},
        None,
        None,
    )
    assert (bank["bankAccount"], bank["paymentGateway"], bank["customRedirect"]) == ({"iban": "NL91ABNA0417164300"}, None, None)
    # and the pay link is the first link an acceptor has to give: the card's was never issued, the redirect's page is.
    assert invoice["payInvoiceLink"] == {"url": "https://pay.acme.example/invoices", "portalUrlId": None, "expiryPeriod": None}


async def test_pay_invoice_link_follows_the_acceptors(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    # Given an invoice whose card link the payment portal issued,
    issued = {"url": "https://portal.example/p/abc", "portal_url_id": "porl_abc", "expiry_period": {"type": "DAY", "value": 14}}
    invoice = {**record(data, "invoices", INVOICE_ID), "pay_invoice_link": issued}
    await _offer(database, tmp_path, data, "card.json", ["paya_card", "paya_portal"])
    await load(database, tmp_path, _only(data, invoices=[invoice]), "issued.json")
    # a refresh keeps the issued link while the card is offered first,
    await api.refresh(INVOICE_ID, ["PAYMENT_ACCEPTOR"])
    link = (await api.graphql(PAYMENT, {"id": INVOICE_ID}))["data"]["invoice"]["payInvoiceLink"]
    assert link == {"url": "https://portal.example/p/abc", "portalUrlId": "porl_abc", "expiryPeriod": {"type": "DAY", "value": 14}}
    # points to the redirect's page once the redirect comes first,
    await _offer(database, tmp_path, data, "portal.json", ["paya_portal", "paya_card"])
    await api.refresh(INVOICE_ID, ["PAYMENT_ACCEPTOR"])
    link = (await api.graphql(PAYMENT, {"id": INVOICE_ID}))["data"]["invoice"]["payInvoiceLink"]
    assert link["url"] == "https://pay.acme.example/invoices"
    # and is dropped when no acceptor offered has a link to give.
    await _offer(database, tmp_path, data, "bank.json", ["paya_bank"])
    await api.refresh(INVOICE_ID, ["PAYMENT_ACCEPTOR"])
    assert (await api.graphql(PAYMENT, {"id": INVOICE_ID}))["data"]["invoice"]["payInvoiceLink"] is None


async def test_po_number(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    subscription = record(data, "subscriptions", "psub_globex")
    subscription["purchase_order_number"] = "PO-9000"
    await load(database, tmp_path, _only(data, subscriptions=[subscription]), "po.json")
    invoice, roots = await _refresh_alone(api, "PO_NUMBER")
    assert invoice["purchaseOrderNumber"] == "PO-9000"
    assert roots == {"purchaseOrderNumber"}


async def test_tax_rates_are_kept_until_a_tax_rates_refresh(api: Api, database: Database, tmp_path: Path, data: dict[str, Any]) -> None:
    customer = record(data, "customers", "cust_globex")
    customer["organization"]["registered_address"]["country"] = "NL"
    await load(database, tmp_path, _only(data, customers=[customer]), "moved.json")
    moved = (await api.refresh(INVOICE_ID, ["CUSTOMER"]))["data"]["refreshInvoice"]
    assert moved["taxSummary"]["taxAmount"] == {"quantity": "26.17"}
    rate = {**record(data, "tax_rates", "txrt_nl_std"), "percentage": "22"}
    await load(database, tmp_path, _only(data, tax_rates=[rate]), "rate.json")
    kept = (await api.refresh(INVOICE_ID, ["CUSTOMER"]))["data"]["refreshInvoice"]
    assert kept["taxSummary"]["taxAmount"] == {"quantity": "26.17"}  # the stored 21 % is kept
    invoice, roots = await _refresh_alone(api, "TAX_RATES")
    assert invoice["taxSummary"]["taxAmount"] == {"quantity": "27.41"}  # 124.60 × 22 % = 27.412
    assert "taxSummary" in roots
    assert "taxCategories.0.percentage" in await _changed_paths(api)  # the stored rates themselves are ours


@pytest.mark.parametrize("types", [None, [], ["FULL", "CUSTOMER"], ["CUSTOMER", "CUSTOMER", "FULL"]])
async def test_absent_empty_or_including_full_means_full(
    api: Api, database: Database, tmp_path: Path, data: dict[str, Any], types: list[str] | None
) -> None:
    await _late_usage(database, tmp_path, data)
    body = await api.refresh(INVOICE_ID, types)
    assert "errors" not in body, body
    assert ("API calls", "144.50") in _lines(body["data"]["refreshInvoice"])  # 2250 units re-rated


async def test_unknown_type_is_a_validation_error(api: Api) -> None:
    body = await api.refresh(INVOICE_ID, ["FULL", "EVERYTHING"])
    assert body["errors"]
    assert "EVERYTHING" in body["errors"][0]["message"]
