"""The vendor Invoice JSON keeps our bookkeeping inside (docs/rest.md)."""

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


GATEWAY = {
    "id": "paya_card",
    "platform_id": "plat_acme",
    "type": "PAYMENT_GATEWAY",
    "bank_account": None,
    "payment_gateway": {
        "integration_id": "intg_adyen",
        "collection_type": "LINK",
        "store_payment_method": None,
        "auto_charge_payment_method": True,
        "link_expiry_period": {"type": "DAY", "value": 14},
        "adyen": {
            "merchant_account": "AcmeEU",
            "allowed_payment_methods": ["scheme"],
            "auto_rescue_enabled": True,
            "auto_rescue_period": {"type": "DAY", "value": 7},
        },
    },
}
UK_BANK = {
    "id": "paya_uk",
    "platform_id": "plat_acme",
    "type": "BANK_ACCOUNT",
    "bank_account": {
        "type": "UK_LOCAL", "legal_name": "Acme Ltd", "iban": None, "country": "GB", "country_code": "GB", "bic": None,
        "bank_name": "Barclays", "bank_address": None, "account_number": "31926819", "bank_code": None, "routing_number": None,
        "account_type": None, "sort_code": "20-00-00", "branch": None, "cbu": None, "clabe": None,
    },
}  # fmt: skip


def _acceptor(record: dict[str, Any]) -> dict[str, Any]:
    invoice = {**INVOICE, "payment_actions": [{"payment_acceptor_id": record["id"], "type": record["type"]}]}
    embedded: dict[str, Any] = vendor_body(invoice, EMBEDDED, {record["id"]: record})["payment_actions"][0]["payment_acceptor"]
    return embedded


def test_an_embedded_gateway_acceptor_has_the_vendor_names() -> None:
    # docs/rest.md: linkExpiryPeriod and autoRescueEnabled/Period are GraphQL's flattenings.
    gateway = _acceptor(GATEWAY)["payment_gateway"]
    assert gateway == {
        "integration_id": "intg_adyen",
        "store_payment_method": None,
        "auto_charge_payment_method": True,
        "collection_type": "LINK",
        "link": {"expiry_period": {"type": "DAY", "value": 14}},
        "adyen": {
            "auto_rescue": {"enabled": True, "period": {"type": "DAY", "value": 7}},
            "merchant_account": "AcmeEU",
            "allowed_payment_methods": ["scheme"],
        },
    }


def test_an_embedded_bank_acceptor_has_the_vendor_local_sub_object() -> None:
    bank = _acceptor(UK_BANK)["bank_account"]
    assert bank == {
        "type": "UK_LOCAL", "iban": None, "country": "GB", "bic": None, "bank_name": "Barclays", "bank_address": None,
        "account_number": "31926819", "bank_code": None, "routing_number": None, "account_type": None,
        "uk_local": {"account_number": "31926819", "sort_code": "20-00-00"},
    }  # fmt: skip
