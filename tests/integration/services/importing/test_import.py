"""Importing files: what is stored, upserts without churn, problems with paths, all or nothing."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import SQLModel

from invoicegraph.auth.keys import hash_key
from invoicegraph.db import tables
from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_reads import invoice_row_to_dict
from invoicegraph.services.importing import import_files
from tests.integration.services.importing.conftest import eur, final_of, write

pytestmark = pytest.mark.asyncio


async def count(db: Database, table: type[SQLModel]) -> int:
    async with db.read() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def rows(db: Database, table: Any) -> list[Any]:
    async with db.read() as session:
        return list((await session.execute(select(table))).scalars())


async def test_the_example_file_is_stored(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    report = await import_files(db, [write(tmp_path, example)], progress=False)

    assert report.ok, report.summary()
    [key] = await rows(db, tables.ApiKey)
    assert key.key_hash == hash_key(example["api_keys"][0]["key"])
    assert key.key_prefix == "igk_test_2f9"
    assert example["api_keys"][0]["key"] not in str(key.model_dump())
    assert [(link.api_key_id, link.platform_id) for link in await rows(db, tables.ApiKeyPlatform)] == [("akey_ops", "plat_acme")]
    [customer] = await rows(db, tables.Customer)
    assert customer.data["organization"]["registered_address"]["country"] == "BE"
    assert customer.data["created_at"] is not None  # filled: GraphQL createdAt is non-null
    [meter_value] = await rows(db, tables.MeterValue)
    assert (meter_value.meter_id, meter_value.data["reference"]) == ("metr_api", "calls")
    assert {(r.country, r.category) for r in await rows(db, tables.TaxRate)} == {("NL", "STANDARD"), ("BE", "STANDARD")}
    [invoice] = await rows(db, tables.Invoice)
    vendor = invoice_row_to_dict(invoice)
    assert vendor["status"] == "DRAFT"
    assert vendor["version"] == 1
    assert vendor["customer_details"]["legal_name"] == "Globex BV"
    assert vendor["billing_entity_details"]["address"]["country"] == "NL"
    assert vendor["customer_reference"] == "globex"
    assert [(s.invoice_id, s.subscription_id) for s in await rows(db, tables.InvoiceSubscription)] == [
        ("invo_globex_2026_11", "psub_globex")
    ]
    [event] = await rows(db, tables.UsageEvent)
    assert event.value == 1250
    assert event.properties == {"region": "eu"}


async def test_reimporting_the_same_file_changes_nothing(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    path = write(tmp_path, example)
    await import_files(db, [path], progress=False)
    before = [(i.version, i.updated_at, i.document) for i in await rows(db, tables.Invoice)]
    customers_before = [(c.updated_at, c.data) for c in await rows(db, tables.Customer)]

    report = await import_files(db, [path], progress=False)

    result = report.files[0]
    assert report.ok
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in result.tables.values()), result.tables
    assert (result.events_inserted, result.events_duplicate) == (0, 1)
    assert [(i.version, i.updated_at, i.document) for i in await rows(db, tables.Invoice)] == before
    assert [(c.updated_at, c.data) for c in await rows(db, tables.Customer)] == customers_before


async def test_a_changed_record_is_updated(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    await import_files(db, [write(tmp_path, example)], progress=False)
    example["invoices"][0]["notes"] = ["Thank you"]
    example["customers"][0]["email"] = "billing@globex.example"

    report = await import_files(db, [write(tmp_path, example, "v2.json")], progress=False)

    assert report.files[0].tables["invoice"] == {"inserted": 0, "updated": 1, "unchanged": 0}
    assert report.files[0].tables["customer"] == {"inserted": 0, "updated": 1, "unchanged": 0}
    [invoice] = await rows(db, tables.Invoice)
    assert invoice.version == 2
    assert invoice.document["notes"] == ["Thank you"]


async def test_every_problem_is_reported_with_its_path_and_nothing_is_written(
    db: Database, example: dict[str, Any], tmp_path: Path
) -> None:
    example["customers"][0]["organization"]["registered_address"]["country"] = "XX"
    example["pricing_plans"][0]["items"][0]["price"] = 49.0
    example["products"][1]["colour"] = "blue"
    example["invoices"][0]["status"] = "PAID"
    example["usage_events"][0]["customer_id"] = "cust_nobody"
    del example["format"]

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    assert not report.ok
    assert [str(p) for p in report.files[0].problems] == [
        "customers[0].organization.registered_address.country: 'XX' is not a country code",
        "products[1].colour: unknown key",
        'pricing_plans[0].items[0].price: 49.0 is a JSON number; decimals must be JSON strings such as "0.10"',
        "invoices[0].status: 'PAID' is not one of 'OPEN', 'DRAFT', 'FINAL', 'EMPTY', 'VOID'",
        "format: required key is missing (must be 'invoicegraph/v1')",
        "usage_events[0].customer_id: 'cust_nobody' is not a customer of platform 'plat_acme' in the file or the database",
    ]
    for table in (tables.Platform, tables.Customer, tables.Product, tables.UsageEvent, tables.Invoice):
        assert await count(db, table) == 0


async def test_an_unknown_top_level_key_fails_the_file_even_when_its_list_is_empty(
    db: Database, example: dict[str, Any], tmp_path: Path
) -> None:
    example["usage_event"] = []  # a typo of usage_events: nothing in it, but not what the writer meant
    example["credit_types"] = []  # a known section may be empty

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    assert [str(p) for p in report.files[0].problems] == ["usage_event: unknown key"]
    assert await count(db, tables.Platform) == 0
    example["format"] = []
    del example["usage_event"]
    report = await import_files(db, [write(tmp_path, example, "format.json")], progress=False)
    assert [str(p) for p in report.files[0].problems] == ["format: [] is not 'invoicegraph/v1'"]


async def test_every_place_of_a_missing_id_is_reported_up_to_ten_then_counted(
    db: Database, example: dict[str, Any], tmp_path: Path
) -> None:
    event = example["usage_events"][0]
    example["usage_events"] = [{**event, "reference": f"evt-{i}", "customer_id": "cust_nobody"} for i in range(15)]
    for i in range(3):  # good events first: the listed places include index 10+, in file order
        example["usage_events"].insert(0, {**event, "reference": f"evt-ok-{i}"})

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    problems = [str(p) for p in report.files[0].problems]
    message = "'cust_nobody' is not a customer of platform 'plat_acme' in the file or the database"
    assert problems == [f"usage_events[{i}].customer_id: {message}" for i in range(3, 12)] + [
        f"usage_events[12].customer_id: {message} (and 5 more places)"
    ]
    assert report.files[0].problem_count == 15
    assert await count(db, tables.UsageEvent) == 0


async def test_a_dangling_reference_fails_the_file(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    example["invoices"][0]["customer_id"] = "cust_initech"
    example["subscriptions"][0]["coupon_ids"] = ["coup_launch", "coup_missing"]

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    assert [str(p) for p in report.files[0].problems] == [
        "invoices[0].customer_id: 'cust_initech' is not a customer of platform 'plat_acme' in the file or the database",
        "subscriptions[0].coupon_ids[1]: 'coup_missing' is not a coupon of platform 'plat_acme' in the file or the database",
    ]
    assert await count(db, tables.Invoice) == 0
    assert await count(db, tables.Customer) == 0


async def test_references_may_point_to_stored_records_of_the_same_platform(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    await import_files(db, [write(tmp_path, example)], progress=False)
    events: dict[str, Any] = {
        "format": "invoicegraph/v1",
        "usage_events": [
            {
                "platform_id": "plat_acme",
                "reference": "evt-2",
                "customer_id": "cust_globex",
                "meter_value_id": "metv_calls",
                "timestamp": "2026-11-04T10:00:00Z",
                "value": "5",
            },
            {
                "platform_id": "plat_other",
                "reference": "evt-3",
                "customer_id": "cust_globex",
                "meter_value_id": "metv_calls",
                "timestamp": "2026-11-04T10:00:00Z",
            },
        ],
    }

    report = await import_files(db, [write(tmp_path, events, "events.json")], progress=False)

    assert [str(p) for p in report.files[0].problems] == [
        "usage_events[1].customer_id: 'cust_globex' is not a customer of platform 'plat_other' in the file or the database",
        "usage_events[1].meter_value_id: 'metv_calls' is not a meter value of platform 'plat_other' in the file or the database",
        "usage_events[1].platform_id: 'plat_other' is not a platform in the file or the database",
    ]
    del events["usage_events"][1]
    assert (await import_files(db, [write(tmp_path, events, "events.json")], progress=False)).ok


async def test_duplicate_usage_events_are_skipped_and_counted(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    event = example["usage_events"][0]
    example["usage_events"] = [event, event | {"reference": "evt-000002"}, event | {"value": "7"}]
    first = await import_files(db, [write(tmp_path, example)], progress=False)
    assert (first.files[0].events_inserted, first.files[0].events_duplicate) == (2, 1)

    example["usage_events"].append(event | {"reference": "evt-000003"})
    second = await import_files(db, [write(tmp_path, example, "again.json")], progress=False)

    assert (second.files[0].events_inserted, second.files[0].events_duplicate) == (1, 3)
    stored = {e.reference: e.value for e in await rows(db, tables.UsageEvent)}
    assert stored == {"evt-000001": 1250, "evt-000002": 1250, "evt-000003": 1250}  # the first one wins


async def test_a_file_after_a_failed_one_is_not_imported(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    bad = write(tmp_path, {"format": "invoicegraph/v2"}, "bad.json")
    good = write(tmp_path, example, "good.json")

    report = await import_files(db, [bad, good], progress=False)

    assert [str(p) for p in report.files[0].problems] == ["format: 'invoicegraph/v2' is not 'invoicegraph/v1'"]
    assert report.skipped == [good]
    assert await count(db, tables.Platform) == 0


async def test_malformed_json_is_a_problem_not_a_crash(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": "invoicegraph/v1", "platforms": [')

    report = await import_files(db, [path], progress=False)

    assert report.files[0].problems[0].path == "$"
    assert not report.ok


async def test_credit_invoices_link_to_their_original(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    original = example["invoices"][0] | {
        "id": "invo_final",
        "status": "FINAL",
        "invoice_number": "INV-1",
        "invoice_amount_including_tax": eur("0.00"),
        "periods": [
            {
                "start_at": "2026-10-01T00:00:00Z",
                "end_at": "2026-11-01T00:00:00Z",
                "amount_excluding_tax": eur("0.00"),
                "amount_including_tax": eur("0.00"),
            }
        ],
        "payments": [{"id": "paym_1", "amount": "10.00", "received_at": "2026-11-02T00:00:00Z"}],
    }
    credit = example["invoices"][0] | {
        "id": "invo_credit",
        "type": "CREDIT",
        "credit": {"original_invoice_id": "invo_final"},
        "periods": [
            {
                "start_at": "2026-10-01T00:00:00Z",
                "end_at": "2026-11-01T00:00:00Z",
                "groups": [{"lines": [{"description": "Refund", "product_id": "prod_base", "amount": eur("-5.00")}]}],
            }
        ],
    }
    example["invoices"] = [credit, original]

    # 10.00 paid on a total of 0.00 is an overpayment: accepted only when the setting allows it.
    report = await import_files(db, [write(tmp_path, example)], progress=False, allow_overpayment=True)

    assert report.ok, report.summary()
    links = [(link.invoice_id, link.linked_invoice_id, link.type) for link in await rows(db, tables.InvoiceLink)]
    assert links == [("invo_credit", "invo_final", "CREDITED_INVOICE")]
    by_id = {i.id: invoice_row_to_dict(i) for i in await rows(db, tables.Invoice)}
    assert by_id["invo_credit"]["credit"]["original_invoice_info"] == {"id": "invo_final", "invoice_number": "INV-1"}
    assert by_id["invo_final"]["paid_invoice_amount"] == eur("10.00")
    assert by_id["invo_final"]["payment_status"] == "PAID"  # a zero total counts as paid
    assert by_id["invo_credit"]["invoice_amount_including_tax"] == eur("-5.00")


async def test_decimals_beyond_the_bounds_are_refused_with_their_paths(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    example["pricing_plans"][0]["items"][0]["price"] = "1" + "0" * 60 + ".00"
    example["pricing_plans"][0]["items"][1]["tiers"][0]["unit_price"] = "0.1234567890123"
    example["usage_events"][0]["value"] = "1250.0000000000001"

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    assert [str(p) for p in report.files[0].problems] == [
        f"pricing_plans[0].items[0].price: '1{'0' * 60}.00' is too large: at most 15 digits before the decimal point are allowed",
        "pricing_plans[0].items[1].tiers[0].unit_price: '0.1234567890123' has 13 decimal places; at most 12 are allowed",
        "usage_events[0].value: '1250.0000000000001' has 13 decimal places; at most 12 are allowed",
    ]
    assert await count(db, tables.PricingPlan) == 0


async def test_the_largest_decimals_fit_the_money_columns_exactly(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    largest = "999999999999999.999999999999"
    example["usage_events"][0]["value"] = largest
    payment = {"id": "paym_1", "amount": "999999999999999.99", "received_at": "2026-12-02T00:00:00Z"}
    example["invoices"][0] = final_of(example["invoices"][0], payments=[payment])

    report = await import_files(db, [write(tmp_path, example)], progress=False, allow_overpayment=True)

    assert report.ok, report.summary()
    [event] = await rows(db, tables.UsageEvent)
    [invoice] = await rows(db, tables.Invoice)
    assert (event.value, invoice.paid_invoice_amount) == (Decimal(largest), Decimal("999999999999999.99"))


async def test_a_key_already_held_by_another_stored_key_is_a_problem_that_names_no_one(
    db: Database, example: dict[str, Any], tmp_path: Path
) -> None:
    await import_files(db, [write(tmp_path, example)], progress=False)
    secret = example["api_keys"][0]["key"]
    other: dict[str, Any] = {
        "format": "invoicegraph/v1",
        "platforms": [{"id": "plat_other", "name": "Other"}],
        "api_keys": [{"id": "akey_other", "name": "other", "key": secret, "platform_ids": ["plat_other"], "permissions": []}],
    }

    report = await import_files(db, [write(tmp_path, other, "other.json")], progress=False)

    assert [str(p) for p in report.files[0].problems] == [
        "api_keys[0].key: this key is already in use by another API key; give a new, unique key"
    ]
    assert "akey_ops" not in report.summary()
    assert "plat_acme" not in report.summary()
    assert [p.id for p in await rows(db, tables.Platform)] == ["plat_acme"]
    assert [k.id for k in await rows(db, tables.ApiKey)] == ["akey_ops"]
    assert (await import_files(db, [write(tmp_path, example, "again.json")], progress=False)).ok  # its own key: no problem


async def test_a_final_invoice_is_not_changed_by_a_later_import(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    draft = write(tmp_path, example, "draft.json")
    await import_files(db, [draft], progress=False)
    final = copy.deepcopy(example)
    final["invoices"] = [final_of(example["invoices"][0])]
    assert (await import_files(db, [write(tmp_path, final, "final.json")], progress=False)).ok
    [stored] = await rows(db, tables.Invoice)

    report = await import_files(db, [draft], progress=False)  # the DRAFT file again, over the FINAL invoice

    assert [str(p) for p in report.files[0].problems] == [
        "invoices[0].status: invoice 'invo_globex_2026_11' is FINAL and cannot be changed"
    ]
    final["invoices"] = [final_of(example["invoices"][0], notes=["late note"])]
    changed = await import_files(db, [write(tmp_path, final, "changed.json")], progress=False)
    assert [str(p) for p in changed.files[0].problems] == [
        "invoices[0].notes: invoice 'invo_globex_2026_11' is FINAL and cannot be changed"
    ]
    final["invoices"] = [final_of(example["invoices"][0], status="VOID")]  # vendor: a FINAL invoice cannot be voided
    voided = await import_files(db, [write(tmp_path, final, "void.json")], progress=False)
    assert [str(p) for p in voided.files[0].problems] == [
        "invoices[0].status: invoice 'invo_globex_2026_11' is FINAL and cannot be changed"
    ]
    [after] = await rows(db, tables.Invoice)
    assert (after.status, after.invoice_number, after.version, after.document) == ("FINAL", "INV-7", stored.version, stored.document)


async def test_a_final_invoice_reimported_as_it_is_stays_a_no_op_and_takes_payments(
    db: Database, example: dict[str, Any], tmp_path: Path
) -> None:
    example["invoices"] = [final_of(example["invoices"][0], "121.00")]
    path = write(tmp_path, example)
    await import_files(db, [path], progress=False)
    example["customers"][0]["email"] = "new@globex.example"  # the live customer moves on; the FINAL copy does not
    await import_files(db, [write(tmp_path, example, "customer.json")], progress=False)
    [stored] = await rows(db, tables.Invoice)

    again = await import_files(db, [path], progress=False)

    assert again.ok, again.summary()
    assert again.files[0].tables["invoice"] == {"inserted": 0, "updated": 0, "unchanged": 1}
    example["invoices"][0]["payments"] = [{"id": "paym_1", "amount": "10.00", "received_at": "2026-12-10T00:00:00Z"}]
    paid = await import_files(db, [write(tmp_path, example, "paid.json")], progress=False)
    assert paid.ok, paid.summary()
    [after] = await rows(db, tables.Invoice)
    assert (after.document, after.paid_invoice_amount) == (stored.document, Decimal("10.00"))


async def test_a_key_given_twice_in_an_object_is_a_problem_at_its_path(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    text = json.dumps(example)
    text = text.replace('"value": "1250"', '"value": "1", "value": "100"')  # last-wins would bill 100
    text = text.replace('{"up_to": "1000"', '{"up_to": "1000", "up_to": "2000"')
    text = text.replace('"properties": {"region": "eu"}', '"properties": {"region": "eu", "region": "us"}')
    text = text.replace('"platforms": [', '"format": "invoicegraph/v1", "platforms": [')
    path = tmp_path / "twice.json"
    path.write_text(text)

    report = await import_files(db, [path], progress=False)

    twice = "this key is given twice in the same object"
    assert [str(p) for p in report.files[0].problems] == [
        f"format: {twice}",
        f"pricing_plans[0].items[1].tiers[1].up_to: {twice}",
        f"usage_events[0].value: {twice}",
        f"usage_events[0].properties.region: {twice}",
    ]
    assert await count(db, tables.UsageEvent) == 0


async def test_a_negative_usage_value_is_refused(db: Database, example: dict[str, Any], tmp_path: Path) -> None:
    # The spec gives usage no sign; a negative value would only be clamped to a 0.00 line in silence.
    event = example["usage_events"][0]
    example["usage_events"] = [
        event | {"value": "-5"},
        event | {"reference": "evt-2", "value": "-0.00"},
        event | {"reference": "evt-3", "value": "0"},
    ]

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    assert [str(p) for p in report.files[0].problems] == [
        "usage_events[0].value: '-5' must be zero or more",
        "usage_events[1].value: '-0.00' must be zero or more",
    ]
    assert await count(db, tables.UsageEvent) == 0


async def test_nul_characters_and_overlong_strings_are_refused_at_their_paths(
    db: Database, example: dict[str, Any], tmp_path: Path
) -> None:
    # PostgreSQL refused a NUL in text and JSON with a traceback; SQLite stored it. Strings had no bound.
    example["customers"][0]["organization"]["legal_name"] = "Globex\u0000BV"
    example["customers"][0]["custom_fields"][0]["value"] = "x" * 10_001
    example["usage_events"][0]["properties"] = {"region": "eu", "note\u0000": "y", "long": "z" * 10_001, "k" * 10_001: "v"}
    example["invoices"][0]["notes"] = ["fine", "bad\u0000"]

    report = await import_files(db, [write(tmp_path, example)], progress=False)

    nul = "contains a NUL character (\\u0000), which cannot be stored"
    assert [str(p) for p in report.files[0].problems] == [
        f"customers[0].organization.legal_name: {nul}",
        "customers[0].custom_fields[0].value: is longer than 10,000 characters",
        f"usage_events[0].properties.note\\u0000: {nul}",
        "usage_events[0].properties.long: is longer than 10,000 characters",
        f"usage_events[0].properties.{'k' * 40}…: is longer than 10,000 characters",
        f"invoices[0].notes[1]: {nul}",
    ]
    assert await count(db, tables.Customer) == 0
    example["customers"][0]["organization"]["legal_name"] = "G" * 10_000  # the longest string is fine
    example["customers"][0]["custom_fields"][0]["value"] = "CC-42"
    example["usage_events"][0]["properties"] = {"region": "eu"}
    example["invoices"][0]["notes"] = []
    assert (await import_files(db, [write(tmp_path, example, "fixed.json")], progress=False)).ok
