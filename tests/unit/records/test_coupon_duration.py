"""A coupon without `duration` is ONE_TIME ("null means once", docs/billing-decisions.md), from the file to the engine.

Regression: the import model once defaulted a missing duration to FOREVER and stored it, and the shipped
JSON Schema advertised that default, so a subscription's second invoice was discounted again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from invoicegraph.billing.inputs import Coupon, InvoicePeriodInput, Subscription
from invoicegraph.records.discounts import CouponRecord
from invoicegraph.records.jsonschema import import_schema

from ..billing.factories import flat, lines_of, q, rate

COUPON: dict[str, Any] = {
    "id": "coup_launch",
    "platform_id": "plat_acme",
    "reference": "launch",
    "name": "Launch 20%",
    "discount": {"type": "PERCENTAGE", "percentage": "20"},
}


def test_a_coupon_without_duration_is_stored_with_a_null_duration() -> None:
    stored = CouponRecord.model_validate(COUPON).model_dump(mode="json")
    assert stored["duration"] is None
    assert Coupon.from_fields(stored).duration_type == "ONE_TIME"


def test_the_json_schema_advertises_no_default_duration() -> None:
    duration = import_schema()["$defs"]["CouponRecord"]["properties"]["duration"]
    assert "default" not in duration
    assert "duration" not in import_schema()["$defs"]["CouponRecord"].get("required", [])


def test_a_coupon_imported_without_duration_discounts_only_the_first_invoice() -> None:
    coupon = Coupon.from_fields(CouponRecord.model_validate(COUPON).model_dump(mode="json"))
    december = InvoicePeriodInput(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    first = rate([flat("100.00")], coupons=[coupon], coupon_ids=["coup_launch"], invoice_id="invo_nov")
    second = rate(
        [flat("100.00")],
        coupons=[coupon],
        periods=[december],
        subscription=Subscription(
            "psub_1", "ppln_1", ("coup_launch",), first_invoice_id="invo_nov", first_invoice_start_at=datetime(2026, 11, 1, tzinfo=UTC)
        ),
        invoice_id="invo_dec",
    )
    assert [q(line["amount_excluding_tax"]) for line in lines_of(first)] == ["100.00", "-20.00"]
    assert [q(line["amount_excluding_tax"]) for line in lines_of(second)] == ["100.00"]
    assert second.coupons == []
