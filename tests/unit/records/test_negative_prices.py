"""Prices are not negative, except credit lines (docs/billing-decisions.md): what the import refuses."""

from __future__ import annotations

from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
from pydantic import ValidationError

from invoicegraph.records.jsonschema import import_schema
from invoicegraph.records.pricing import PricingPlanRecord
from invoicegraph.records.problems import problems_from

TIERS = [{"up_to": "100", "unit_price": "0.10"}, {"up_to": None, "unit_price": "0.05"}]


def plan(item: dict[str, Any]) -> dict[str, Any]:
    base = {"id": "pitm_1", "product_id": "prod_api", "description": "Item"}
    return {"id": "ppln_1", "platform_id": "plat_acme", "reference": "p", "name": "Plan", "currency": "EUR", "items": [{**base, **item}]}


def problems(record: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        PricingPlanRecord.model_validate(record)
    return [str(problem) for problem in problems_from(caught.value, ("pricing_plans", 0))]


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ({"model": "PER_UNIT", "unit_price": "-0.02"}, "pricing_plans[0].items[0].unit_price"),
        (
            {"model": "GRADUATED", "tiers": [{"up_to": "100", "unit_price": "-0.10"}, TIERS[1]]},
            "pricing_plans[0].items[0].tiers[0].unit_price",
        ),
        (
            {"model": "VOLUME", "tiers": [TIERS[0], {"up_to": None, "unit_price": "0.05", "flat_price": "-1"}]},
            "pricing_plans[0].items[0].tiers[1].flat_price",
        ),
        ({"model": "GRADUATED", "tiers": TIERS, "flat_price": "-10.00"}, "pricing_plans[0].items[0].flat_price"),
        ({"model": "PACKAGE", "package_size": "1000", "package_price": "-5.00"}, "pricing_plans[0].items[0].package_price"),
    ],
)
def test_9_16_a_negative_unit_tier_or_package_price_is_refused_at_import(item: dict[str, Any], path: str) -> None:
    found = problems(plan(item))
    assert len(found) == 1
    assert found[0].startswith(f"{path}: ")
    assert "must be zero or more" in found[0]
    # The shipped JSON Schema refuses the same record.
    validator = jsonschema.Draft202012Validator(import_schema())
    assert list(validator.iter_errors({"format": "invoicegraph/v1", "pricing_plans": [plan(item)]}))


def test_9_16_a_negative_flat_price_is_a_credit_line_and_stays_allowed() -> None:
    record = PricingPlanRecord.model_validate(plan({"model": "FLAT", "price": "-25.00"}))
    assert record.items[0].price == "-25.00"
