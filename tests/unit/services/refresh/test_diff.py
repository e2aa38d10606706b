"""The refresh's change paths over our invoice dicts: vendor JSON paths, internal keys counted but not shown."""

from __future__ import annotations

import copy
from typing import Any

from invoicegraph.records.vendor_json import FIELDS, vendor_projection
from invoicegraph.services.refresh.diff import Change, differs, vendor_changes

ADDRESS = {"line1": "Rue Neuve 1", "line2": None, "city": "Brussels", "postal_code": "1000", "state": None, "country": "BE"}


def _party(**fields: Any) -> dict[str, Any]:
    return {
        "id": "cust_1", "reference": "c1", "type": "ORGANIZATION", "legal_name": "Globex BV", "name": None, "email": "ap@x.example",
        "address": dict(ADDRESS), "tax_id": None, "tax_ids": [], "registration_number": None, "tax_registrations": [],
        "tax_exempt": False, "tax_exempt_note": None, "locale": "en-GB", "timezone": "Europe/Brussels",
        "copied_at": "2026-11-01T00:00:00Z", **fields,
    }  # fmt: skip


def _invoice() -> dict[str, Any]:
    line = {
        "id": "l1",
        "product_id": "prod_1",
        "tax_category": "STANDARD",
        "amount_excluding_tax": {"quantity": "94.50", "currency": "EUR"},
    }
    return {
        "id": "invo_1",
        "version": 3,
        "updated_at": "2026-11-01T00:00:00Z",
        "status": "DRAFT",
        "on_hold": False,
        "customer_details": _party(),
        "billing_entity_details": _party(id="enti_1", reference="e1", legal_name="Acme B.V."),
        "tax_rates": [{"category": "STANDARD", "country": "NL", "percentage": "21", "name": "BTW", "tax_rate_id": "txrt_1"}],
        "meter_value_ids": ["metv_a"],
        "processing_only_customer_ids": [],
        "periods": [{"groups": [{"lines": [line]}]}],
    }


def _diff(change: Any) -> tuple[bool, list[Change]]:
    before = _invoice()
    after = copy.deepcopy(before)
    change(after)
    return differs(before, after), vendor_changes(before, after)


def test_copies_show_at_the_vendor_paths() -> None:
    def edit(invoice: dict[str, Any]) -> None:
        invoice["customer_details"].update(email="new@x.example", copied_at="2026-11-02T00:00:00Z")
        invoice["customer_details"]["address"]["city"] = "Antwerp"
        invoice["billing_entity_details"]["address"]["city"] = "Rotterdam"

    changed, found = _diff(edit)
    assert changed
    assert found == [
        Change("billing_entity.registered_address.city", "Brussels", "Rotterdam"),
        Change("customer.email", "ap@x.example", "new@x.example"),
        Change("customer.organization.registered_address.city", "Brussels", "Antwerp"),
    ]


def test_an_individual_customer_uses_the_individual_shape() -> None:
    def edit(invoice: dict[str, Any]) -> None:
        invoice["customer_details"].update(type="INDIVIDUAL", legal_name=None, name={"first_name": "Jan"})

    _, found = _diff(edit)
    # What appeared or went away is listed leaf by leaf, null on the other side.
    assert Change("customer.type", "ORGANIZATION", "INDIVIDUAL") in found
    assert Change("customer.individual.name.first_name", None, "Jan") in found
    assert Change("customer.individual.residential_address.city", None, "Brussels") in found
    assert Change("customer.organization.legal_name", "Globex BV", None) in found
    assert Change("customer.organization.tax_exempt", False, None) in found
    assert not [c for c in found if c.path in ("customer.individual", "customer.organization")]


def test_a_value_without_leaves_that_appears_is_one_entry() -> None:
    def edit(invoice: dict[str, Any]) -> None:
        invoice["credit"] = {"amount": None}
        invoice["used_tax_registration"] = {"id": "txrg_1", "tax_id": None}

    _, found = _diff(edit)
    assert found == [Change("credit", None, {"amount": None}), Change("used_tax_registration.id", None, "txrg_1")]


def test_internal_keys_count_but_give_no_path() -> None:
    edits = [
        lambda i: i["tax_rates"][0].update(tax_rate_id="txrt_2"),
        lambda i: i["customer_details"].update(copied_at="2026-11-02T00:00:00Z"),
        lambda i: i["customer_details"].update(tax_registrations=[{"id": "txrg_1"}]),  # only an entity's are shown
        lambda i: i["billing_entity_details"].update(locale="nl-NL", name="Acme"),
        lambda i: i["periods"][0]["groups"][0]["lines"][0].update(product_id="prod_2", tax_category="REDUCED"),
        lambda i: i.update(on_hold_set_by="REFRESH"),
    ]
    for edit in edits:
        assert _diff(edit) == (True, [])


def test_bookkeeping_and_null_versus_missing_are_no_change() -> None:
    assert _diff(lambda i: i.update(version=4, updated_at="2026-11-03T00:00:00Z", note=None)) == (False, [])


def test_embedded_records_show_as_their_ids() -> None:
    def edit(invoice: dict[str, Any]) -> None:
        invoice["meter_value_ids"] = ["metv_a", "metv_b"]
        invoice["processing_only_customer_ids"] = ["cust_2"]

    changed, found = _diff(edit)
    assert changed
    assert found == [Change("meter_values.1.id", None, "metv_b"), Change("processing_only_customers.0.id", None, "cust_2")]


def test_derived_values_keep_their_vendor_paths() -> None:
    def edit(invoice: dict[str, Any]) -> None:
        invoice["periods"][0]["groups"][0]["lines"][0]["amount_excluding_tax"]["quantity"] = "99.50"
        invoice["on_hold"] = True
        invoice["on_hold_set_by"] = "REFRESH"

    _, found = _diff(edit)
    assert found == [Change("on_hold", False, True), Change("periods.0.groups.0.lines.0.amount_excluding_tax.quantity", "94.50", "99.50")]


def test_the_projection_has_the_vendor_fields_only() -> None:
    body = vendor_projection(_invoice())
    assert list(body) == list(FIELDS)
    assert body["meter_values"] == [{"id": "metv_a"}]
    assert body["customer"]["organization"]["registered_address"] == ADDRESS
    assert "product_id" not in body["periods"][0]["groups"][0]["lines"][0]
