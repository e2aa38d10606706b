"""The catalog the engine prices with: pricing plans and items, products, meter values.

Each class reads its import-format record with `from_fields` (decimal strings -> Decimal).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from invoicegraph.billing.fields import Fields, object_list, opt_decimal, opt_int, opt_str, req_str, sub
from invoicegraph.billing.usage import AGGREGATIONS, Condition

PRICING_MODELS = ("FLAT", "PER_UNIT", "GRADUATED", "VOLUME", "PACKAGE")
TAX_CATEGORIES = ("STANDARD", "REDUCED", "ZERO", "EXEMPT", "NO_TAX")
PERIOD_TYPES = ("DAY", "WEEK", "MONTH", "YEAR")


@dataclass(frozen=True)
class BillingPeriod:
    type: str
    value: int = 1

    @classmethod
    def from_fields(cls, record: Fields) -> BillingPeriod:
        kind = req_str(record, "type")
        if kind not in PERIOD_TYPES:
            raise ValueError(f"unknown period type {kind!r}")
        value = opt_int(record, "value")
        return cls(kind, 1 if value is None else value)

    @classmethod
    def optional(cls, record: Fields, key: str) -> BillingPeriod | None:
        return cls.from_fields(sub(record, key)) if record.get(key) is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "value": self.value}


@dataclass(frozen=True)
class Tier:
    up_to: Decimal | None
    unit_price: Decimal
    flat_price: Decimal = Decimal(0)

    @classmethod
    def from_fields(cls, record: Fields) -> Tier:
        return cls(
            up_to=opt_decimal(record, "up_to"),
            unit_price=opt_decimal(record, "unit_price") or Decimal(0),
            flat_price=opt_decimal(record, "flat_price") or Decimal(0),
        )


@dataclass(frozen=True)
class PricingItem:
    id: str
    product_id: str
    model: str
    description: str | None = None
    price: Decimal | None = None
    unit_price: Decimal | None = None
    tiers: tuple[Tier, ...] = ()
    flat_price: Decimal | None = None
    package_size: Decimal | None = None
    package_price: Decimal | None = None
    meter_value_id: str | None = None
    aggregation: str | None = None
    aggregation_property: str | None = None
    included_quantity: Decimal = Decimal(0)
    conditions: tuple[Condition, ...] = ()

    @classmethod
    def from_fields(cls, record: Fields) -> PricingItem:
        model = req_str(record, "model")
        if model not in PRICING_MODELS:
            raise ValueError(f"unknown pricing model {model!r}")
        item = cls(
            id=req_str(record, "id"),
            product_id=req_str(record, "product_id"),
            model=model,
            description=opt_str(record, "description"),
            price=opt_decimal(record, "price"),
            unit_price=opt_decimal(record, "unit_price"),
            tiers=tuple(Tier.from_fields(tier) for tier in object_list(record, "tiers")),
            flat_price=opt_decimal(record, "flat_price"),
            package_size=opt_decimal(record, "package_size"),
            package_price=opt_decimal(record, "package_price"),
            meter_value_id=opt_str(record, "meter_value_id"),
            aggregation=opt_str(record, "aggregation"),
            aggregation_property=opt_str(record, "aggregation_property"),
            included_quantity=opt_decimal(record, "included_quantity") or Decimal(0),
            conditions=tuple(Condition.from_fields(c) for c in object_list(record, "conditions")),
        )
        required = {"FLAT": item.price, "PER_UNIT": item.unit_price, "PACKAGE": item.package_price}
        if model in required and required[model] is None:
            raise ValueError(f"pricing item {item.id}: model {model} needs its price")
        if model in ("GRADUATED", "VOLUME") and not item.tiers:
            raise ValueError(f"pricing item {item.id}: model {model} needs tiers")
        if model == "PACKAGE" and (item.package_size is None or item.package_size <= 0):
            raise ValueError(f"pricing item {item.id}: package_size must be positive")
        if item.meter_value_id is not None and (item.aggregation or "SUM") not in AGGREGATIONS:
            raise ValueError(f"pricing item {item.id}: unknown aggregation {item.aggregation!r}")
        if item.aggregation == "UNIQUE_COUNT" and not item.aggregation_property:
            raise ValueError(f"pricing item {item.id}: UNIQUE_COUNT needs aggregation_property")
        return item


@dataclass(frozen=True)
class PricingPlan:
    id: str
    name: str
    currency: str
    items: tuple[PricingItem, ...]

    @classmethod
    def from_fields(cls, record: Fields) -> PricingPlan:
        return cls(
            id=req_str(record, "id"),
            name=opt_str(record, "name") or req_str(record, "id"),
            currency=req_str(record, "currency"),
            items=tuple(PricingItem.from_fields(item) for item in object_list(record, "items")),
        )


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    tax_category: str = "STANDARD"
    category_id: str | None = None

    @classmethod
    def from_fields(cls, record: Fields) -> Product:
        category = opt_str(record, "tax_category") or "STANDARD"
        if category not in TAX_CATEGORIES:
            raise ValueError(f"unknown tax category {category!r}")
        return cls(
            id=req_str(record, "id"),
            name=opt_str(record, "name") or req_str(record, "id"),
            tax_category=category,
            category_id=opt_str(record, "category_id"),
        )


@dataclass(frozen=True)
class MeterValue:
    id: str
    reference: str
    type: str = "NUMBER"

    @classmethod
    def from_fields(cls, record: Fields) -> MeterValue:
        return cls(req_str(record, "id"), req_str(record, "reference"), opt_str(record, "type") or "NUMBER")

    @classmethod
    def all_from_meter_record(cls, meter: Fields) -> tuple[MeterValue, ...]:
        return tuple(cls.from_fields(value) for value in object_list(meter, "meter_values"))
