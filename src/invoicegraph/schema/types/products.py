"""Catalog copies on groups and lines, taken at rating time."""

from __future__ import annotations

import strawberry

from invoicegraph.schema.enums.catalog import (
    ProductItemModelType,
    ProductItemStatus,
    ProductItemType,
    ProductStatus,
    ProductType,
    TaxCategory,
)
from invoicegraph.schema.enums.resources import ObjectType
from invoicegraph.schema.types.values import UnitName


@strawberry.type(
    description="Product category, as copied onto the invoice.",
)
class ProductCategory:
    id: strawberry.ID = strawberry.field(
        name="productCategoryId",
        description="Id of the product category this copy was taken from.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "PRODUCT_CATEGORY".',
    )
    name: str = strawberry.field(
        description="Display name.",
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    tax_category: TaxCategory | None = strawberry.field(
        description="Default tax category of products in this category; null means STANDARD.",
    )
    display_order: int | None = strawberry.field(
        description="Sort position on invoices (lower first); null when unset.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="Customer the category is private to; null when shared.",
    )


@strawberry.type(
    description="Product, as copied onto the invoice.",
)
class Product:
    id: strawberry.ID = strawberry.field(
        name="productId",
        description="Product id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "PRODUCT".',
    )
    category_id: strawberry.ID = strawberry.field(
        description="Product category the product belongs to.",
    )
    parent_product_id: strawberry.ID | None = strawberry.field(
        description="Original product this one derives from; null when none.",
    )
    name: str = strawberry.field(
        description="Display name.",
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    status: ProductStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    product_type: ProductType | None = strawberry.field(
        description="Base product or add-on; null when unset.",
    )
    tax_category: TaxCategory | None = strawberry.field(
        description="Default tax category of the product; null means inherited.",
    )
    display_order: int | None = strawberry.field(
        description="Sort position on invoices (lower first); null when unset.",
    )
    billing_entity_id: strawberry.ID | None = strawberry.field(
        description="Billing entity the product is tied to; null when any.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="Customer the product is private to; null when shared.",
    )


@strawberry.type(
    description="Product item (a chargeable component of a product), as copied onto the invoice.",
)
class ProductItem:
    id: strawberry.ID = strawberry.field(
        name="productItemId",
        description="Product item id.",
    )
    object_type: ObjectType = strawberry.field(
        description='Resource type tag; always "PRODUCT_ITEM".',
    )
    product_id: strawberry.ID | None = strawberry.field(
        description="Product the item belongs to; null when unknown.",
    )
    name: str | None = strawberry.field(
        description="Display name; null when unset.",
    )
    status: ProductItemStatus | None = strawberry.field(
        description="Lifecycle state; null when unset.",
    )
    reference: str = strawberry.field(
        description="User-chosen unique key.",
    )
    description: str | None = strawberry.field(
        description="Free description; null when none.",
    )
    type: ProductItemType | None = strawberry.field(
        description="Charge or deduction; null when unset.",
    )
    model_type: ProductItemModelType | None = strawberry.field(
        description="How the item is charged; null when unset.",
    )
    meter_value_calculation_id: strawberry.ID | None = strawberry.field(
        description="Billable metric used for USAGE_BASED items; null otherwise.",
    )
    report_meter_value_calculation_ids: list[strawberry.ID] = strawberry.field(
        description="Reporting-only billable metrics of the item.",
    )
    credit_type_id: strawberry.ID | None = strawberry.field(
        description="Credit type used for CREDITS items; null otherwise.",
    )
    tax_category: TaxCategory | None = strawberry.field(
        description="Default tax category of the item; null means inherited.",
    )
    display_order: int | None = strawberry.field(
        description="Sort position on invoices (lower first); null when unset.",
    )
    unit_name: UnitName | None = strawberry.field(
        description="Unit names printed with quantities; null when unset.",
    )
    customer_id: strawberry.ID | None = strawberry.field(
        description="Customer the item is private to; null when shared.",
    )
