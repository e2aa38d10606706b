"""Enums of the catalog, meters and conditions."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(
    description=(
        "Tax category of a product. STANDARD, NO_TAX and EXEMPT are the vendor's\n"
        "values. REDUCED and ZERO are this service's additions, used by its tax\n"
        "engine."
    )
)
class TaxCategory(Enum):
    STANDARD = strawberry.enum_value("STANDARD", description="Taxed at the country's standard rate (the default).")
    REDUCED = strawberry.enum_value("REDUCED", description="Taxed at the country's reduced rate.")
    ZERO = strawberry.enum_value("ZERO", description="Taxed at 0 %, without a rate lookup.")
    EXEMPT = strawberry.enum_value("EXEMPT", description="Exempt from tax (0 %, without a rate lookup).")
    NO_TAX = strawberry.enum_value("NO_TAX", description="Not taxed (vendor value); rated like ZERO.")


@strawberry.enum(description="Lifecycle state of a product.")
class ProductStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="In use.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")


@strawberry.enum(description="Role of a product.")
class ProductType(Enum):
    DEFAULT = strawberry.enum_value("DEFAULT", description="A base product.")
    ADDON = strawberry.enum_value("ADDON", description="An add-on to a base product.")


@strawberry.enum(description="Lifecycle state of a product item.")
class ProductItemStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="In use.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")


@strawberry.enum(description="Direction of a product item.")
class ProductItemType(Enum):
    REVENUE = strawberry.enum_value("REVENUE", description="Adds to the invoice total.")
    DEDUCTION = strawberry.enum_value("DEDUCTION", description="Subtracts from the invoice total.")


@strawberry.enum(description="Charging model of a product item.")
class ProductItemModelType(Enum):
    USAGE_BASED = strawberry.enum_value("USAGE_BASED", description="Charged on measured usage.")
    USAGE_BASED_CONVERSION = strawberry.enum_value(
        "USAGE_BASED_CONVERSION", description="Usage converted into another unit (e.g. credits)."
    )
    RECURRING = strawberry.enum_value("RECURRING", description="Fixed charge every billing period.")
    ONE_OFF = strawberry.enum_value("ONE_OFF", description="Single charge.")
    PER_SEAT = strawberry.enum_value("PER_SEAT", description="Charged per seat.")
    CREDITS = strawberry.enum_value("CREDITS", description="Sold or consumed as credits.")


@strawberry.enum(description="Lifecycle state of a meter value.")
class MeterValueStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up; properties can change.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="In use.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")


@strawberry.enum(description="What a meter value measures.")
class MeterValueType(Enum):
    NUMBER = strawberry.enum_value("NUMBER", description="A plain number (e.g. API calls, GB).")
    AMOUNT = strawberry.enum_value("AMOUNT", description="A money amount.")


@strawberry.enum(description="Lifecycle state of a credit type.")
class CreditTypeStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being set up.")
    ACTIVE = strawberry.enum_value("ACTIVE", description="In use.")
    INACTIVE = strawberry.enum_value("INACTIVE", description="Temporarily unused.")
    DEPRECATED = strawberry.enum_value("DEPRECATED", description="Deprecated; kept for history.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Archived.")


@strawberry.enum(description="Logical operator of a condition expression.")
class MeterConditionOperator(Enum):
    AND = strawberry.enum_value("AND", description="All operands hold.")
    OR = strawberry.enum_value("OR", description="At least one operand holds.")
    XOR = strawberry.enum_value("XOR", description="Exactly one operand holds.")


@strawberry.enum(description="Comparison operator used by meter and discount conditions.")
class ConditionComparator(Enum):
    EQUALS = strawberry.enum_value("EQUALS", description="Equal to value.")
    NOT_EQUALS = strawberry.enum_value("NOT_EQUALS", description="Not equal to value.")
    IN = strawberry.enum_value("IN", description="One of values.")
    NOT_IN = strawberry.enum_value("NOT_IN", description="None of values.")
    GREATER_THAN = strawberry.enum_value("GREATER_THAN", description="Greater than value.")
    GREATER_THAN_OR_EQUALS = strawberry.enum_value("GREATER_THAN_OR_EQUALS", description="Greater than or equal to value.")
    LESS_THAN = strawberry.enum_value("LESS_THAN", description="Less than value.")
    LESS_THAN_OR_EQUALS = strawberry.enum_value("LESS_THAN_OR_EQUALS", description="Less than or equal to value.")
    EMPTY = strawberry.enum_value("EMPTY", description="Property absent or empty.")
    NOT_EMPTY = strawberry.enum_value("NOT_EMPTY", description="Property present and not empty.")
    CONTAINS = strawberry.enum_value("CONTAINS", description="Contains value as a substring.")
    NOT_CONTAINS = strawberry.enum_value("NOT_CONTAINS", description="Does not contain value.")
