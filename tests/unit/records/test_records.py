"""The import records: normalization (the stored, GraphQL-read shape) and validation messages."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from invoicegraph.records import SECTIONS, ImportFile
from invoicegraph.records.invoice import InvoiceRecord
from invoicegraph.records.problems import json_path, problems_from

EXAMPLE = Path(__file__).parents[2] / "integration" / "services" / "importing" / "fixtures" / "example.json"


def eur(quantity: str) -> dict[str, str]:
    return {"quantity": quantity, "currency": "EUR"}


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def messages(section: str, record: dict[str, Any], index: int = 0) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        SECTIONS[section].model_validate(record)
    return [str(problem) for problem in problems_from(caught.value, (section, index))]


def test_example_file_is_valid_and_normalizes_to_the_vendor_shape() -> None:
    dumped = ImportFile.model_validate(example()).model_dump(mode="json")

    customer = dumped["customers"][0]
    assert customer["object_type"] == "CUSTOMER"
    assert customer["organization"]["registered_address"] == {
        "line1": "Rue Neuve 1",
        "line2": None,
        "city": "Brussels",
        "postal_code": "1000",
        "state": None,
        "country": "BE",
    }
    assert customer["parent_customer_ids"] == []
    assert customer["roles"] == []
    item = dumped["pricing_plans"][0]["items"][1]
    assert item["tiers"][0] == {"up_to": "100", "unit_price": "0.10", "flat_price": "0"}
    assert dumped["promotion_codes"][0]["limited_to_customer_ids"] == []
    invoice = dumped["invoices"][0]
    assert invoice["invoice_date"] == "2026-12-01T00:00:00Z"
    assert invoice["invoice_amount_including_tax"] == {"quantity": "0.00", "currency": "EUR"}
    assert invoice["periods"][0]["billing_period"] == {"type": "MONTH", "value": 1}
    assert "payment_status" not in invoice  # derived at read time, never stored


def test_instants_with_an_offset_are_stored_in_utc() -> None:
    rate = example()["exchange_rates"][0] | {"rate_timestamp": "2026-10-31T01:00:00+01:00"}
    assert SECTIONS["exchange_rates"].model_validate(rate).model_dump(mode="json")["rate_timestamp"] == "2026-10-31T00:00:00Z"


def test_a_bad_country_is_reported_with_its_path() -> None:
    customer = example()["customers"][0]
    customer["organization"]["registered_address"]["country"] = "XX"
    assert messages("customers", customer, 3) == ["customers[3].organization.registered_address.country: 'XX' is not a country code"]


def test_a_json_number_for_an_amount_is_refused() -> None:
    plan = example()["pricing_plans"][0]
    plan["items"][0]["price"] = Decimal("49.0")  # how ijson hands over the JSON number 49.0
    assert messages("pricing_plans", plan) == [
        'pricing_plans[0].items[0].price: 49.0 is a JSON number; decimals must be JSON strings such as "0.10"'
    ]


def test_decimals_carry_at_most_twelve_places_and_fifteen_integer_digits() -> None:
    plan = example()["pricing_plans"][0]
    plan["items"][0]["price"] = "1" + "0" * 60 + ".00"
    plan["items"][1]["tiers"][0]["unit_price"] = "0.1234567890123"  # 13 places (docs/billing-decisions.md: up to 12)
    plan["items"][1]["included_quantity"] = "1000000000000000"  # 16 digits
    assert messages("pricing_plans", plan) == [
        f"pricing_plans[0].items[0].price: '1{'0' * 60}.00' is too large: at most 15 digits before the decimal point are allowed",
        "pricing_plans[0].items[1].tiers[0].unit_price: '0.1234567890123' has 13 decimal places; at most 12 are allowed",
        "pricing_plans[0].items[1].included_quantity: '1000000000000000' is too large: at most 15 digits before the decimal point are allowed",
    ]
    plan = example()["pricing_plans"][0]
    plan["items"][0]["price"] = "-999999999999999.999999999999"  # both bounds reached, not passed
    plan["items"][1]["tiers"][0]["unit_price"] = "000000000000000001.5"  # leading zeros are not digits of the value
    items = SECTIONS["pricing_plans"].model_validate(plan).model_dump(mode="json")["items"]
    assert (items[0]["price"], items[1]["tiers"][0]["unit_price"]) == ("-999999999999999.999999999999", "1.5")


def test_unknown_keys_unknown_enum_values_and_all_errors_of_a_record_are_reported() -> None:
    customer = example()["customers"][0] | {"nickname": "G", "status": "SLEEPING", "locale": 5}
    assert messages("customers", customer) == [
        "customers[0].status: 'SLEEPING' is not one of 'DRAFT', 'ACTIVE', 'ARCHIVED', 'DEPRECATED', 'CLOSED'",
        "customers[0].locale: expected a string, got the number 5",
        "customers[0].nickname: unknown key",
    ]


def test_fractional_seconds_and_missing_offsets_are_refused() -> None:
    event = example()["usage_events"][0]
    for timestamp in ("2026-11-03T10:00:00.5Z", "2026-11-03T10:00:00"):
        assert messages("usage_events", event | {"timestamp": timestamp})[0].startswith(
            f"usage_events[0].timestamp: '{timestamp}' is not an ISO 8601 instant"
        )


def test_ids_carry_their_prefix() -> None:
    assert messages("customers", example()["customers"][0] | {"id": "globex"})[0].startswith(
        "customers[0].id: 'globex' is not a valid id (expected 'cust_'"
    )


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"model": "FLAT"}, "model FLAT requires 'price'"),
        ({"model": "PACKAGE", "package_size": "10"}, "model PACKAGE requires 'package_price'"),
        ({"model": "PER_UNIT", "unit_price": "1", "tiers": []}, "'tiers' not used by model PER_UNIT"),
        ({"model": "VOLUME", "tiers": [{"up_to": "5", "unit_price": "1"}]}, "the last tier must have up_to null (no upper bound)"),
        (
            {"model": "PER_UNIT", "unit_price": "1", "meter_value_id": "metv_a", "aggregation": "UNIQUE_COUNT"},
            "aggregation UNIQUE_COUNT requires 'aggregation_property'",
        ),
    ],
)
def test_pricing_items_need_the_fields_of_their_model(item: dict[str, Any], message: str) -> None:
    plan = example()["pricing_plans"][0]
    plan["items"] = [{"id": "pitm_x", "product_id": "prod_api"} | item]
    assert messages("pricing_plans", plan) == [f"pricing_plans[0].items[0]: {message}"]


def test_usage_items_default_to_sum() -> None:
    plan = example()["pricing_plans"][0]
    del plan["items"][1]["aggregation"]
    assert SECTIONS["pricing_plans"].model_validate(plan).model_dump()["items"][1]["aggregation"] == "SUM"


def final_invoice() -> dict[str, Any]:
    line = {
        "description": "Fee",
        "product_id": "prod_base",
        "amount": eur("100.00"),
        "amount_excluding_tax": eur("100.00"),
        "amount_including_tax": eur("121.00"),
    }
    group = {"amount_excluding_tax": eur("100.00"), "amount_including_tax": eur("121.00"), "lines": [line]}
    period = {
        "start_at": "2026-10-01T00:00:00Z",
        "end_at": "2026-11-01T00:00:00Z",
        "groups": [group],
        "amount_excluding_tax": eur("100.00"),
        "amount_including_tax": eur("121.00"),
    }
    invoice: dict[str, Any] = example()["invoices"][0] | {
        "type": "ONE_OFF",
        "status": "FINAL",
        "invoice_number": "INV-1",
        "periods": [period],
        "invoice_amount_including_tax": eur("121.00"),
    }
    return invoice


def test_a_consistent_final_invoice_has_no_problems() -> None:
    assert list(InvoiceRecord.model_validate(final_invoice()).problems()) == []


def test_final_invoices_must_carry_amounts_that_add_up() -> None:
    invoice = final_invoice()
    invoice["periods"][0]["groups"][0]["lines"][0]["amount_including_tax"]["quantity"] = "120.00"
    del invoice["periods"][0]["amount_excluding_tax"]
    problems = [(json_path(loc), message) for loc, message in InvoiceRecord.model_validate(invoice).problems()]
    assert problems == [
        ("periods[0].amount_excluding_tax", "required on a FINAL invoice (a computed amount)"),
        ("periods[0].groups[0].amount_including_tax", "121.00 is not the sum of its parts (120.00)"),
    ]


def test_explicit_lines_and_credit_links_are_required_by_type() -> None:
    invoice = final_invoice() | {"type": "CREDIT", "status": "DRAFT"}
    del invoice["periods"][0]["groups"][0]["lines"][0]["product_id"]
    problems = [str(loc) + " " + m for loc, m in InvoiceRecord.model_validate(invoice).problems()]
    assert problems == [
        "('periods', 0, 'groups', 0, 'lines', 0, 'product_id') required on the lines of a CREDIT invoice",
        "('credit',) a CREDIT invoice needs credit.original_invoice_id",
    ]


def test_money_on_invoices_has_the_currency_minor_unit() -> None:
    invoice = final_invoice()
    invoice["invoice_amount_including_tax"] = {"quantity": "121", "currency": "EUR"}
    assert InvoiceRecord.model_validate(invoice).model_dump(mode="json")["invoice_amount_including_tax"]["quantity"] == "121.00"
    invoice["invoice_amount_including_tax"] = {"quantity": "121.001", "currency": "EUR"}
    assert messages("invoices", invoice) == ["invoices[0].invoice_amount_including_tax: 121.001 has more decimals than EUR allows (2)"]


def test_a_bare_payment_amount_is_read_in_the_billing_currency() -> None:
    invoice = copy.deepcopy(final_invoice()) | {"payments": [{"id": "paym_1", "amount": "50", "received_at": "2026-11-02T00:00:00Z"}]}
    dumped = InvoiceRecord.model_validate(invoice).model_dump(mode="json")
    assert dumped["payments"][0]["amount"] == {"quantity": "50.00", "currency": "EUR"}
