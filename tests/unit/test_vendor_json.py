"""The vendor Invoice JSON keeps our bookkeeping inside (vendor-invoice.md §2.3, §5.1; field-mapping.md §2)."""

from __future__ import annotations

from typing import Any

from invoicegraph.records.vendor_json import vendor_body, vendor_projection

LINE = {
    "id": "invl_1",
    "type": "REVENUE",
    "product_id": "prod_api",
    "tax_category": "STANDARD",
    "amount": {"quantity": "1.00", "currency": "EUR"},
    "meter_value": {"id": "metv_calls", "reference": "calls", "type": "NUMBER", "number": "854", "amount": None},
}
INVOICE: dict[str, Any] = {
    "id": "invo_1",
    "customer_details": {
        "id": "cust_1",
        "type": "INDIVIDUAL",
        "name": {"first_name": "Amélie"},
        "address": {"city": "Lyon"},
        "tax_id": "X",
    },
    "periods": [{"groups": [{"lines": [LINE]}]}],
    "meter_value_ids": ["metv_calls"],
    "payment_actions": [
        {"payment_acceptor_id": "paya_bank", "type": "BANK_ACCOUNT"},
        {"payment_acceptor_id": "paya_gone", "type": "BANK_ACCOUNT"},
    ],
}
EMBEDDED: dict[str, list[dict[str, Any]]] = {
    "processing_only_customers": [],
    "forwarded_from_customers": [],
    "meter_values": [{"id": "metv_calls", "platform_id": "plat_acme", "reference": "calls", "type": "NUMBER"}],
    "credit_types": [],
}


def test_lines_show_the_vendor_fields_only() -> None:
    [line] = vendor_body(INVOICE, EMBEDDED)["periods"][0]["groups"][0]["lines"]
    assert set(line) == {"id", "type", "meter_value"}
    assert line["meter_value"] == {"reference": "calls", "type": "NUMBER", "number": "854", "amount": None}


def test_an_individual_has_a_name_and_an_address_only() -> None:
    customer = vendor_body(INVOICE, EMBEDDED)["customer"]
    assert customer["individual"] == {"name": {"first_name": "Amélie"}, "residential_address": {"city": "Lyon"}}
    assert customer["organization"] is None


def test_embedded_records_and_payment_acceptors() -> None:
    acceptor = {"id": "paya_bank", "platform_id": "plat_acme", "reference": "bank"}
    body = vendor_body(INVOICE, EMBEDDED, {"paya_bank": acceptor})
    assert body["meter_values"] == [{"id": "metv_calls", "reference": "calls", "type": "NUMBER"}]
    assert [action["payment_acceptor"] for action in body["payment_actions"]] == [{"id": "paya_bank", "reference": "bank"}, None]
    # The change paths' projection names the same acceptors by id, loading nothing.
    projected = vendor_projection(INVOICE)["payment_actions"]
    assert [action["payment_acceptor"] for action in projected] == [{"id": "paya_bank"}, {"id": "paya_gone"}]
